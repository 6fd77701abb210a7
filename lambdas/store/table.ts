import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { ATTR, INDEX } from "./keys.ts";

/** The table's shape, shared with infra/ so the local table and the cloud table never drift. */
export const TABLE_SCHEMA = {
  partitionKey: ATTR.pk,
  sortKey: ATTR.sk,
  ttlAttribute: ATTR.ttl,
  indexes: {
    /** id → pk/sk for /{secretId}, /{tokenId}. Keys only: the base item is then read consistently. */
    byId: { name: INDEX.byId, partitionKey: ATTR.id, projection: "KEYS_ONLY" as const },
    /** Sparse: only environment and token items carry listKind, so listing them never scans secrets. */
    byKind: { name: INDEX.byKind, partitionKey: ATTR.listKind, sortKey: ATTR.id, projection: "ALL" as const },
  },
} as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  const s = TABLE_SCHEMA;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: s.partitionKey, AttributeType: "S" },
      { AttributeName: s.sortKey, AttributeType: "S" },
      { AttributeName: ATTR.id, AttributeType: "S" },
      { AttributeName: ATTR.listKind, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: s.partitionKey, KeyType: "HASH" },
      { AttributeName: s.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: s.indexes.byId.name,
        KeySchema: [{ AttributeName: ATTR.id, KeyType: "HASH" }],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
      {
        IndexName: s.indexes.byKind.name,
        KeySchema: [
          { AttributeName: ATTR.listKind, KeyType: "HASH" },
          { AttributeName: ATTR.id, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

/** Creates the table if it does not exist and waits until it is ACTIVE. For local use and tests. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<"created" | "exists"> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return "exists";
  } catch (e) {
    if ((e as { name?: string }).name !== "ResourceNotFoundException") throw e;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (e) {
    if ((e as { name?: string }).name !== "ResourceInUseException") throw e;
  }
  for (let i = 0; i < 200; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const gsisActive = (d.Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === "ACTIVE");
    if (d.Table?.TableStatus === "ACTIVE" && gsisActive) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ATTR.ttl, Enabled: true },
      }),
    );
  } catch {
    // dynalite does not implement TTL; the attribute is still written and AWS honours it.
  }
  return "created";
}
