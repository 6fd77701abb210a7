import { z } from "zod";
import { createDynamoClients, type DynamoClients } from "../store/client.ts";

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const TableEnvSchema = z.object({
  TABLE_NAME: z.string().trim().min(1, "set TABLE_NAME to the DynamoDB table name"),
  /** Tests and local runs: a DynamoDB-compatible endpoint such as dynalite. */
  DYNAMODB_ENDPOINT: optionalText,
  AWS_REGION: optionalText,
});

const ApiEnvSchema = TableEnvSchema.extend({
  KEY_ARN: optionalText,
  /** Tests and local runs: a LocalKeyring master key file instead of KMS. */
  LOCAL_MASTER_KEY_FILE: optionalText,
  /** The EventBridge bus for change events (set on the writer only); without it no events are sent. */
  EVENT_BUS_NAME: optionalText,
  /** AWS login (issue 17): this deployment's id, and an STS endpoint override. */
  SERVER_ID: optionalText,
  STS_ENDPOINT: optionalText,
}).refine((e) => e.KEY_ARN !== undefined || e.LOCAL_MASTER_KEY_FILE !== undefined, {
  message: "set KEY_ARN (the KMS key) or LOCAL_MASTER_KEY_FILE (a local master key)",
  path: ["KEY_ARN"],
});

/** What every function needs: the table. */
export type TableEnv = z.infer<typeof TableEnvSchema>;
/** What the API function needs on top: a key (KMS, or a local master key file). */
export type ApiEnv = z.infer<typeof ApiEnvSchema>;

type RawEnv = Record<string, string | undefined>;

function parse<T>(schema: z.ZodType<T>, env: RawEnv): T {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`scoped-secrets function misconfigured: ${problems}`);
  }
  return parsed.data;
}

/** Reads the authorizer's environment; a misconfigured function fails its cold start with a clear message. */
export const readTableEnv = (env: RawEnv): TableEnv => parse(TableEnvSchema, env);

/** Reads the API function's environment; a misconfigured function fails its cold start with a clear message. */
export const readApiEnv = (env: RawEnv): ApiEnv => parse(ApiEnvSchema, env);

/** The DynamoDB clients of a function (keep-alive sockets, reused across invocations). */
export function dynamoClientsFor(env: TableEnv): DynamoClients {
  return createDynamoClients({
    ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  });
}
