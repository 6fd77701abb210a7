import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { OUTPUTS } from "../infra/names.ts";
import { describeStackOutputs } from "../infra/stack-outputs.ts";
import { AuditService } from "../lambdas/core/audit-service.ts";
import { TokenService } from "../lambdas/core/token-service.ts";
import { createDynamoClients, type DynamoClients } from "../lambdas/store/client.ts";
import { createDynamoStore } from "../lambdas/store/dynamo-store.ts";
import { TABLE_SCHEMA } from "../lambdas/store/table.ts";

/** A bootstrap problem the operator can fix; the message says how. */
export class BootstrapError extends Error {
  override name = "BootstrapError";
}

export interface BootstrapTokenInput {
  dynamo: DynamoClients;
  table: string;
  /** The token's name, shown in the token list and the audit log. */
  name: string;
  /** Who ran the bootstrap, for the audit log (never a credential). */
  actor: string;
}

/**
 * Writes a new admin token straight into the table (its SHA-256, as the API does) and records the creation in
 * the audit log. Needs only DynamoDB access to the table: this is how the first admin token of a cloud
 * deployment comes to exist, and how a lost one is replaced.
 */
export async function bootstrapAdminToken(
  input: BootstrapTokenInput,
): Promise<{ token: string; tokenId: string }> {
  await checkTable(input.dynamo, input.table);
  const store = createDynamoStore(input.dynamo.doc, input.table);
  const tokens = new TokenService({ tokens: store, scopes: store });
  const { record, token } = await tokens.create({ name: input.name, role: "admin", createdBy: "bootstrap" });
  await new AuditService({ audit: store }).record(
    { tokenId: "bootstrap", name: input.actor, role: "admin" },
    {
      action: "token.create",
      target: { type: "token", id: record.id, name: record.name },
      outcome: "success",
      detail: "role admin (scoped-secrets bootstrap)",
    },
  );
  return { token, tokenId: record.id };
}

async function checkTable(dynamo: DynamoClients, table: string): Promise<void> {
  let keys: string[];
  try {
    const out = await dynamo.raw.send(new DescribeTableCommand({ TableName: table }));
    keys = (out.Table?.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`);
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === "ResourceNotFoundException")
      throw new BootstrapError(`table ${table} does not exist in this region; check --table and --region`);
    if (name === "AccessDeniedException" || name === "UnrecognizedClientException")
      throw new BootstrapError(
        `your AWS credentials may not use table ${table} (${name}); use an identity allowed to write to it`,
      );
    throw new BootstrapError(`could not reach DynamoDB: ${name ?? (e as Error).message}`);
  }
  const expected = [`${TABLE_SCHEMA.partitionKey}:HASH`, `${TABLE_SCHEMA.sortKey}:RANGE`];
  if (expected.some((k) => !keys.includes(k)))
    throw new BootstrapError(
      `table ${table} is not a scoped-secrets table (its keys are ${keys.join(", ")})`,
    );
}

export interface BootstrapCliOptions {
  stack: string;
  table?: string | undefined;
  region?: string | undefined;
  name: string;
  endpointUrl?: string | undefined;
}

export interface BootstrapIo {
  /** The token alone, so `$(npx scoped-secrets bootstrap)` captures just it. */
  out: (line: string) => void;
  /** Everything a person reads. */
  err: (line: string) => void;
}

export interface BootstrapDeps {
  describeOutputs?: typeof describeStackOutputs;
  clients?: DynamoClients;
}

/** The command's work: find the table (stack outputs, or --table), mint the token, print it once. */
export async function runBootstrap(
  options: BootstrapCliOptions,
  io: BootstrapIo,
  deps: BootstrapDeps = {},
): Promise<{ tokenId: string; table: string; apiUrl?: string | undefined }> {
  const dynamo =
    deps.clients ??
    createDynamoClients({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    });
  try {
    let table = options.table;
    let apiUrl: string | undefined;
    if (!table) {
      const outputs = await (deps.describeOutputs ?? describeStackOutputs)({
        stackName: options.stack,
        region: options.region,
      });
      table = outputs[OUTPUTS.tableName];
      apiUrl = outputs[OUTPUTS.apiUrl];
      if (!table)
        throw new BootstrapError(
          `stack ${options.stack} has no ${OUTPUTS.tableName} output; is it a scoped-secrets stack? Pass --table`,
        );
    }
    const actor = `scoped-secrets bootstrap (${process.env.USER ?? "unknown user"})`;
    const { token, tokenId } = await bootstrapAdminToken({ dynamo, table, name: options.name, actor });
    io.err(`Created admin token ${tokenId} in table ${table}.`);
    io.err("It is shown once, below. Store it in a password manager; only its hash is kept.");
    io.out(token);
    io.err(
      apiUrl
        ? `Use it: export SCOPED_SECRETS_URL=${apiUrl} SCOPED_SECRETS_TOKEN=<the token above>`
        : "Use it: export SCOPED_SECRETS_URL=<the stack's ApiUrl output> SCOPED_SECRETS_TOKEN=<the token above>",
    );
    return { tokenId, table, apiUrl };
  } finally {
    if (!deps.clients) dynamo.raw.destroy();
  }
}
