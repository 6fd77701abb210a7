import { createDynamoClients, type DynamoClients } from "../store/client.ts";

/**
 * The functions' environment, checked by hand rather than with zod: this file is in every function's
 * bundle, and zod would be a third of the authorizer's and the reader's (test/unit/lambda-env.test.ts).
 */

/** What every function needs: the table. */
export interface TableEnv {
  TABLE_NAME: string;
  /** Tests and local runs: a DynamoDB-compatible endpoint such as dynalite. */
  DYNAMODB_ENDPOINT?: string | undefined;
  AWS_REGION?: string | undefined;
}

/** What the API function needs on top: a key (KMS, or a local master key file). */
export interface ApiEnv extends TableEnv {
  KEY_ARN?: string | undefined;
  /** Tests and local runs: a LocalKeyring master key file instead of KMS. */
  LOCAL_MASTER_KEY_FILE?: string | undefined;
  /** The EventBridge bus for change events (set on the writer only); without it no events are sent. */
  EVENT_BUS_NAME?: string | undefined;
  /** AWS login (issue 17): this deployment's id, and an STS endpoint override. */
  SERVER_ID?: string | undefined;
  STS_ENDPOINT?: string | undefined;
}

type RawEnv = Record<string, string | undefined>;

/** Unset and blank read alike: undefined; anything else trimmed. */
const optionalText = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

function misconfigured(problems: string[]): never {
  throw new Error(`scoped-secrets function misconfigured: ${problems.join("; ")}`);
}

function tableEnv(env: RawEnv): { value: TableEnv; problems: string[] } {
  const table = env.TABLE_NAME;
  const problems =
    typeof table !== "string"
      ? ["TABLE_NAME: Invalid input: expected string, received undefined"]
      : table.trim() === ""
        ? ["TABLE_NAME: set TABLE_NAME to the DynamoDB table name"]
        : [];
  const value: TableEnv = {
    TABLE_NAME: (table ?? "").trim(),
    DYNAMODB_ENDPOINT: optionalText(env.DYNAMODB_ENDPOINT),
    AWS_REGION: optionalText(env.AWS_REGION),
  };
  return { value, problems };
}

/** Reads the authorizer's environment; a misconfigured function fails its cold start with a clear message. */
export function readTableEnv(env: RawEnv): TableEnv {
  const { value, problems } = tableEnv(env);
  if (problems.length) misconfigured(problems);
  return value;
}

/** Reads the API function's environment; a misconfigured function fails its cold start with a clear message. */
export function readApiEnv(env: RawEnv): ApiEnv {
  const { value: table, problems } = tableEnv(env);
  const value: ApiEnv = {
    ...table,
    KEY_ARN: optionalText(env.KEY_ARN),
    LOCAL_MASTER_KEY_FILE: optionalText(env.LOCAL_MASTER_KEY_FILE),
    EVENT_BUS_NAME: optionalText(env.EVENT_BUS_NAME),
    SERVER_ID: optionalText(env.SERVER_ID),
    STS_ENDPOINT: optionalText(env.STS_ENDPOINT),
  };
  // Both problems at once where there is a table name to speak of (as the zod schema this replaced did).
  const typed = typeof env.TABLE_NAME === "string";
  if (typed && value.KEY_ARN === undefined && value.LOCAL_MASTER_KEY_FILE === undefined)
    problems.push("KEY_ARN: set KEY_ARN (the KMS key) or LOCAL_MASTER_KEY_FILE (a local master key)");
  if (problems.length) misconfigured(problems);
  return value;
}

/** The DynamoDB clients of a function (keep-alive sockets, reused across invocations). */
export function dynamoClientsFor(env: TableEnv): DynamoClients {
  return createDynamoClients({
    ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  });
}
