import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { KEYRING_APP } from "../lambdas/crypto/encryption-context.ts";
import { auditPk, TOKEN_PREFIX } from "../lambdas/store/keys.ts";
import { ENTRIES, nodejsBundling, PROJECT_ROOT } from "./bundling.ts";
import { LOG_SETTINGS } from "./log-settings.ts";
import type { Storage } from "./storage.ts";

export interface FunctionsProps {
  storage: Storage;
  /** SERVER_ID of the API functions: what AWS logins must sign (X-Scoped-Secrets-Server-ID). */
  serverId: string;
  logRetention: logs.RetentionDays;
}

const READ_ITEMS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
const WRITE_ITEMS = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];

/**
 * The three functions and their least-privilege roles:
 * - reader (every GET route): reads the table, appends audit events, kms:Decrypt only;
 * - writer (every other route): reads and writes the table, kms:GenerateDataKey and kms:Decrypt (rollback
 *   and re-reads decrypt);
 * - authorizer: GetItem/UpdateItem on `TOKEN#` items only, no KMS at all.
 * Every KMS grant requires the service's encryption context, so these roles cannot use the key for
 * anything else.
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
    const kmsContext = { StringEquals: { "kms:EncryptionContext:app": KEYRING_APP } };

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
    this.writer = this.apiFunction("Writer", props, [
      new iam.PolicyStatement({ actions: READ_ITEMS, resources: tableAndIndexes }),
      new iam.PolicyStatement({ actions: WRITE_ITEMS, resources: [table.tableArn] }),
      new iam.PolicyStatement({
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: [key.keyArn],
        conditions: kmsContext,
      }),
    ]);
    this.authorizer = this.createFunction("Authorizer", props, {
      entry: ENTRIES.authorizer,
      description: "scoped-secrets: API Gateway authorizer (bearer token to principal)",
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment: { TABLE_NAME: table.tableName },
      statements: [
        new iam.PolicyStatement({
          actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          resources: [table.tableArn],
          conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${TOKEN_PREFIX}*`] } },
        }),
      ],
    });
  }

  private apiFunction(id: string, props: FunctionsProps, statements: iam.PolicyStatement[]): NodejsFunction {
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
