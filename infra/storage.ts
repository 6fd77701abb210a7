import { RemovalPolicy, Stack } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { KEYRING_APP } from "../lambdas/crypto/encryption-context.ts";
import { createTableInput, TABLE_SCHEMA } from "../lambdas/store/table.ts";

/**
 * What the account (its administrators, through IAM) may do with the key: manage it, never use it. No
 * Encrypt/Decrypt/ReEncrypt/GenerateDataKey and no CreateGrant (a grant could hand out Decrypt), so no IAM
 * policy in the account, however broad, can decrypt a data key from a table export or backup.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:UpdateAlias",
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:RotateKeyOnDemand",
  "kms:ListKeyRotations",
  "kms:ListAliases",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListResourceTags",
  "kms:RevokeGrant",
  "kms:RetireGrant",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:UpdateKeyDescription",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
] as const;

/** Every use of the key must carry the service's encryption context (lambdas/crypto/encryption-context.ts). */
export const KEY_USE_CONDITION = { StringEquals: { "kms:EncryptionContext:app": KEYRING_APP } };

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
      // Replaces CDK's default policy (account root: kms:*). Key use is granted per role with allowKeyUse.
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: "KeyAdministrationByTheAccount",
            principals: [new iam.AccountRootPrincipal()],
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ["*"],
          }),
        ],
      }),
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

  /**
   * Lets `role` use the key for `actions`, under the service's encryption context only (its IAM policy must
   * allow the same). The key policy is the only place that can grant this: the account root has no key-use
   * actions to delegate through IAM. The role is named by `aws:PrincipalArn` rather than as the principal:
   * KMS then checks no freshly created role at deploy time, and a replaced role cannot leave a dangling id.
   */
  allowKeyUse(id: string, role: iam.IRole, actions: Array<"kms:Decrypt" | "kms:GenerateDataKey">): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `KeyUseBy${id}`,
        principals: [new iam.AccountRootPrincipal()],
        actions,
        resources: ["*"],
        conditions: { ...KEY_USE_CONDITION, ArnEquals: { "aws:PrincipalArn": role.roleArn } },
      }),
    );
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
