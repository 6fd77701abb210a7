import { RemovalPolicy, Stack } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { createTableInput, TABLE_SCHEMA } from "../lambdas/store/table.ts";

const attributeType = (table: ReturnType<typeof createTableInput>, name: string): dynamodb.AttributeType => {
  const type = table.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  if (type === "S") return dynamodb.AttributeType.STRING;
  if (type === "N") return dynamodb.AttributeType.NUMBER;
  if (type === "B") return dynamodb.AttributeType.BINARY;
  throw new Error(`createTableInput defines no attribute type for ${name}`);
};

/**
 * The data the service keeps: the customer-managed KMS key that wraps every data key, and the single table.
 * Both are retained when the stack is deleted: without them the stored secrets are gone for good.
 */
export class Storage extends Construct {
  readonly key: kms.Key;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.key = new kms.Key(this, "Key", {
      description: `scoped-secrets (${stackName}): wraps the per-version data keys of stored secrets`,
      enableKeyRotation: true,
      alias: `alias/scoped-secrets/${stackName}`,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The shape comes from the same definition the local server and the tests create their tables from.
    const input = createTableInput("unused");
    const keyOf = (schema: typeof input.KeySchema, type: "HASH" | "RANGE") => {
      const name = schema?.find((k) => k.KeyType === type)?.AttributeName;
      return name === undefined ? undefined : { name, type: attributeType(input, name) };
    };
    const partitionKey = keyOf(input.KeySchema, "HASH");
    if (partitionKey === undefined) throw new Error("createTableInput has no partition key");
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey,
      sortKey: keyOf(input.KeySchema, "RANGE"),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of input.GlobalSecondaryIndexes ?? []) {
      const gsiPartitionKey = keyOf(gsi.KeySchema, "HASH");
      if (gsi.IndexName === undefined || gsiPartitionKey === undefined)
        throw new Error("createTableInput has an index without a name or partition key");
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.IndexName,
        partitionKey: gsiPartitionKey,
        sortKey: keyOf(gsi.KeySchema, "RANGE"),
        projectionType: projection(gsi.Projection?.ProjectionType),
      });
    }
  }

  /** ARNs of the table's indexes, named one by one so no IAM statement needs `index/*`. */
  indexArns(): string[] {
    return Object.values(TABLE_SCHEMA.indexes).map((i) => `${this.table.tableArn}/index/${i.name}`);
  }
}

function projection(type: string | undefined): dynamodb.ProjectionType {
  if (type === "KEYS_ONLY") return dynamodb.ProjectionType.KEYS_ONLY;
  if (type === "INCLUDE") return dynamodb.ProjectionType.INCLUDE;
  return dynamodb.ProjectionType.ALL;
}
