import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_STACK_NAME } from "../../infra/names.ts";
import { describeStackOutputs } from "../../infra/stack-outputs.ts";
import { TokenService } from "../../lambdas/core/token-service.ts";
import { createDynamoStore } from "../../lambdas/store/dynamo-store.ts";
import { registerBootstrap } from "../../ops/bootstrap.ts";
import { bootstrapAdminToken, runBootstrap } from "../../ops/bootstrap-run.ts";
import { type Engine, startDynalite } from "../support/engines.ts";

describe("scoped-secrets bootstrap", () => {
  let engine: Engine;
  const cfn = mockClient(CloudFormationClient);
  const cfnClient = () =>
    new CloudFormationClient({
      region: "eu-west-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });

  beforeAll(async () => {
    engine = await startDynalite();
  });
  afterAll(async () => {
    await engine?.stop();
    cfn.restore();
  });

  it("writes a working admin token (hash only) and audits its creation", async () => {
    const { token, tokenId } = await bootstrapAdminToken({
      dynamo: engine.clients,
      table: engine.table,
      name: "first admin",
      actor: "ops@example",
    });
    const store = createDynamoStore(engine.clients.doc, engine.table);
    const principal = await new TokenService({ tokens: store, scopes: store }).authenticate(token);
    expect(principal).toMatchObject({ tokenId, role: "admin", name: "first admin" });
    const items = await engine.clients.doc.send(new ScanCommand({ TableName: engine.table }));
    expect(JSON.stringify(items.Items)).not.toContain(token);
    const audit = await store.listAudit({}, {});
    expect(audit.items).toContainEqual(
      expect.objectContaining({
        action: "token.create",
        actor: expect.objectContaining({ name: "ops@example" }),
        target: expect.objectContaining({ type: "token", id: tokenId }),
      }),
    );
  });

  it("refuses a missing table and a table that is not scoped-secrets'", async () => {
    await expect(
      bootstrapAdminToken({ dynamo: engine.clients, table: "nope", name: "x", actor: "t" }),
    ).rejects.toThrow(/table nope does not exist/);
    await engine.clients.raw.send(
      new CreateTableCommand({
        TableName: "other",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
    await expect(
      bootstrapAdminToken({ dynamo: engine.clients, table: "other", name: "x", actor: "t" }),
    ).rejects.toThrow(/other is not a scoped-secrets table/);
  });

  it("finds the table in the stack's outputs (DescribeStacks) and prints the token alone on stdout", async () => {
    cfn.reset();
    cfn.on(DescribeStacksCommand, { StackName: DEFAULT_STACK_NAME }).resolves({
      Stacks: [
        {
          StackName: DEFAULT_STACK_NAME,
          CreationTime: new Date(),
          StackStatus: "CREATE_COMPLETE",
          Outputs: [
            { OutputKey: "ApiUrl", OutputValue: "https://abc.execute-api.eu-west-1.amazonaws.com" },
            { OutputKey: "TableName", OutputValue: engine.table },
          ],
        },
      ],
    });
    cfn
      .on(DescribeStacksCommand, { StackName: "Elsewhere" })
      .rejects(
        Object.assign(new Error("Stack with id Elsewhere does not exist"), { name: "ValidationError" }),
      );
    const describeOutputs = (o: { stackName: string }) => describeStackOutputs({ ...o, client: cfnClient() });
    const out: string[] = [];
    const err: string[] = [];
    const result = await runBootstrap(
      { stack: DEFAULT_STACK_NAME, name: "from stack" },
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      { clients: engine.clients, describeOutputs },
    );
    expect(result).toMatchObject({
      table: engine.table,
      apiUrl: "https://abc.execute-api.eu-west-1.amazonaws.com",
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^sst_[A-Za-z0-9_-]{43}$/);
    expect(err.join("\n")).toContain("SCOPED_SECRETS_URL=https://abc.execute-api.eu-west-1.amazonaws.com");
    expect(err.join("\n")).not.toContain(out[0]);
    expect(cfn.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({
      StackName: DEFAULT_STACK_NAME,
    });

    await expect(
      runBootstrap(
        { stack: "Elsewhere", name: "x" },
        { out: () => {}, err: () => {} },
        { clients: engine.clients, describeOutputs },
      ),
    ).rejects.toThrow(/stack Elsewhere was not found/);
  });

  it("runs as a CLI command with --table and --endpoint-url, and fails clearly", async () => {
    const program = new Command().exitOverride();
    const errors: string[] = [];
    program.configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => {} });
    registerBootstrap(program);
    const printed: string[] = [];
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
      printed.push(String(c));
      return true;
    });
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await program.parseAsync(
        ["bootstrap", "--table", engine.table, "--endpoint-url", engine.endpoint, "--name", "cli admin"],
        {
          from: "user",
        },
      );
      const token = printed.join("").trim();
      const store = createDynamoStore(engine.clients.doc, engine.table);
      expect(await new TokenService({ tokens: store, scopes: store }).authenticate(token)).toMatchObject({
        role: "admin",
        name: "cli admin",
      });
      await expect(
        program.parseAsync(["bootstrap", "--table", "missing", "--endpoint-url", engine.endpoint], {
          from: "user",
        }),
      ).rejects.toMatchObject({ exitCode: 1 });
      expect(errors.join("")).toMatch(/bootstrap failed: table missing does not exist/);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});
