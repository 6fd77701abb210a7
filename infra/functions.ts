import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { auditPk, TOKEN_PREFIX } from "../lambdas/store/keys.ts";
import { TABLE_SCHEMA } from "../lambdas/store/table.ts";
import { ENTRIES, nodejsBundling, PROJECT_ROOT } from "./bundling.ts";
import type { ChangeEvents } from "./change-events.ts";
import { LOG_SETTINGS } from "./log-settings.ts";
import { CHANGE_EVENTS } from "./names.ts";
import { KEY_USE_CONDITION, type Storage } from "./storage.ts";

export interface FunctionsProps {
  storage: Storage;
  changeEvents: ChangeEvents;
  /** SERVER_ID of the API functions: what AWS logins must sign (X-Scoped-Secrets-Server-ID). */
  serverId: string;
  logRetention: logs.RetentionDays;
}

/**
 * The only attributes the authorizer's UpdateItem may name (token-repository.ts `touchToken`): the key, which
 * every request names, and lastUsedAt. It can never set `revokedAt`, `role` or a scope of a token.
 */
export const AUTHORIZER_UPDATE_ATTRIBUTES = [TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey, "lastUsedAt"];

const READ_ITEMS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
const WRITE_ITEMS = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];

/**
 * The three functions and their least-privilege roles:
 * - reader (every GET route): reads the table, appends audit events, kms:Decrypt only;
 * - writer (every other route): reads and writes the table, kms:GenerateDataKey and kms:Decrypt (rollback
 *   and re-reads decrypt);
 * - authorizer: GetItem on `TOKEN#` items, UpdateItem of their lastUsedAt only, no KMS at all.
 * Every KMS grant requires the service's encryption context, so these roles cannot use the key for
 * anything else; the key policy (storage.ts) names the same roles and actions, and no one else.
 */
export class Functions extends Construct {
  readonly reader: NodejsFunction;
  readonly writer: NodejsFunction;
  readonly authorizer: NodejsFunction;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { table } = props.storage;
    const key = props.storage.key;
    const tableAndIndexes = [table.tableArn, ...props.storage.indexArns()];
    const kmsContext = KEY_USE_CONDITION;
    const tokenItems = { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${TOKEN_PREFIX}*`] } };

    this.reader = this.apiFunction("Reader", props, [
      new iam.PolicyStatement({ actions: READ_ITEMS, resources: tableAndIndexes }),
      // A revealed value is audited before it leaves: the reader may append audit events and nothing else.
      new iam.PolicyStatement({
        actions: ["dynamodb:PutItem"],
        resources: [table.tableArn],
        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [auditPk("*")] } },
      }),
      new iam.PolicyStatement({ actions: ["kms:Decrypt"], resources: [key.keyArn], conditions: kmsContext }),
    ]);
    this.writer = this.apiFunction(
      "Writer",
      props,
      [
        new iam.PolicyStatement({ actions: READ_ITEMS, resources: tableAndIndexes }),
        new iam.PolicyStatement({ actions: WRITE_ITEMS, resources: [table.tableArn] }),
        new iam.PolicyStatement({
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          resources: [key.keyArn],
          conditions: kmsContext,
        }),
        props.changeEvents.publishStatement(),
      ],
      { [CHANGE_EVENTS.busEnv]: props.changeEvents.bus.eventBusName },
    );
    if (this.reader.role) props.storage.allowKeyUse("Reader", this.reader.role, ["kms:Decrypt"]);
    if (this.writer.role)
      props.storage.allowKeyUse("Writer", this.writer.role, ["kms:GenerateDataKey", "kms:Decrypt"]);
    this.authorizer = this.createFunction("Authorizer", props, {
      entry: ENTRIES.authorizer,
      description: "scoped-secrets: API Gateway authorizer (bearer token to principal)",
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment: { TABLE_NAME: table.tableName },
      statements: [
        new iam.PolicyStatement({
          actions: ["dynamodb:GetItem"],
          resources: [table.tableArn],
          conditions: tokenItems,
        }),
        // IAM documents dynamodb:Attributes (every attribute the request names) and dynamodb:ReturnValues
        // for UpdateItem: it may write lastUsedAt and get nothing back.
        new iam.PolicyStatement({
          actions: ["dynamodb:UpdateItem"],
          resources: [table.tableArn],
          conditions: {
            ...tokenItems,
            "ForAllValues:StringEquals": { "dynamodb:Attributes": AUTHORIZER_UPDATE_ATTRIBUTES },
            StringEqualsIfExists: { "dynamodb:ReturnValues": "NONE" },
          },
        }),
      ],
    });
  }

  private apiFunction(
    id: string,
    props: FunctionsProps,
    statements: iam.PolicyStatement[],
    environment: Record<string, string> = {},
  ): NodejsFunction {
    return this.createFunction(id, props, {
      entry: ENTRIES.api,
      description: `scoped-secrets: API (${id.toLowerCase()} routes)`,
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: {
        TABLE_NAME: props.storage.table.tableName,
        KEY_ARN: props.storage.key.keyArn,
        // AWS logins go out to the regional STS endpoint (no IAM permission needed for GetCallerIdentity).
        SERVER_ID: props.serverId,
        ...environment,
      },
      statements,
    });
  }

  private createFunction(
    id: string,
    props: FunctionsProps,
    options: {
      entry: string;
      description: string;
      memorySize: number;
      timeout: Duration;
      environment: Record<string, string>;
      statements: iam.PolicyStatement[];
    },
  ): NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: props.logRetention,
      // Logs carry no values or tokens; the audit trail lives in the table, which is retained.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: options.description,
    });
    logGroup.grantWrite(role);
    for (const statement of options.statements) role.addToPolicy(statement);
    return new NodejsFunction(this, id, {
      entry: options.entry,
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}/package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: options.timeout,
      description: options.description,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel[LOG_SETTINGS.functionSystemLogLevel],
      applicationLogLevelV2: lambda.ApplicationLogLevel[LOG_SETTINGS.functionApplicationLogLevel],
      environment: { ...options.environment, NODE_OPTIONS: "--enable-source-maps" },
      bundling: nodejsBundling,
    });
  }
}
