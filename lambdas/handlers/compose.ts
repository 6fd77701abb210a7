import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { KMSClient } from "@aws-sdk/client-kms";
import pkg from "../../package.json" with { type: "json" };
import { createApp } from "../api/app.ts";
import type { App, AppDeps, Services } from "../api/context.ts";
import { createServices } from "../api/services.ts";
import { addAwsAuth } from "../auth/aws-auth.ts";
import type { ChangeEvents } from "../core/ports.ts";
import { DataKeyCache } from "../crypto/data-key-cache.ts";
import { EnvelopeCipher } from "../crypto/envelope-cipher.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { KmsKeyring } from "../crypto/kms-keyring.ts";
import { LocalKeyring } from "../crypto/local-keyring.ts";
import type { PublishFailure } from "../events/eventbridge-events.ts";
import { createDynamoStore } from "../store/dynamo-store.ts";
import { KNOWN_SCOPE_TTL_MS } from "../store/known-scopes.ts";
import { principalFromAuthorizer } from "./authorizer-context.ts";
import { dynamoClientsFor, readApiEnv } from "./env.ts";
import {
  apiTelemetry,
  changeEventFailureReporter,
  createLogger,
  createMetrics,
  errorSummary,
  keyMetricsRecorder,
} from "./telemetry.ts";

/** Everything the API function holds for its lifetime; built once per cold start. */
export interface ApiRuntime {
  app: App;
  services: Services;
  keyring: Keyring;
  cache: DataKeyCache;
  logger: Logger;
  metrics: Metrics;
}

/** Optional replacements for tests; the Lambda entry passes none. */
export interface ComposeOptions {
  logger?: Logger;
  metrics?: Metrics;
}

/**
 * Composes the API for Lambda from the environment: TABLE_NAME and KEY_ARN (KMS) in the cloud, and
 * EVENT_BUS_NAME on the writer for change events;
 * LOCAL_MASTER_KEY_FILE (LocalKeyring) and DYNAMODB_ENDPOINT for tests and local runs. The caller is whoever
 * the API Gateway authorizer says it is.
 */
export async function composeApi(
  environment: Record<string, string | undefined>,
  options: ComposeOptions = {},
): Promise<ApiRuntime> {
  const env = readApiEnv(environment);
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? createMetrics();
  const keyring: Keyring = env.LOCAL_MASTER_KEY_FILE
    ? await LocalKeyring.open(env.LOCAL_MASTER_KEY_FILE, { create: false })
    : new KmsKeyring(new KMSClient(env.AWS_REGION ? { region: env.AWS_REGION } : {}), env.KEY_ARN ?? "");
  const cache = new DataKeyCache();
  const { lean } = dynamoClientsFor(env);
  // A scope deleted by another instance reads as existing here for at most KNOWN_SCOPE_TTL_MS (SECURITY.md).
  const store = createDynamoStore(lean, env.TABLE_NAME, { knownScopeTtlMs: KNOWN_SCOPE_TTL_MS });
  // Only the writer has EVENT_BUS_NAME (and the PutEvents grant); the reader never loads the client.
  const events = env.EVENT_BUS_NAME
    ? await eventBridgeEvents(env.EVENT_BUS_NAME, env.AWS_REGION, changeEventFailureReporter(logger, metrics))
    : undefined;
  const services = createServices(store, new EnvelopeCipher(keyring, cache), undefined, events);
  addAwsAuth(services, store, {
    serverId: env.SERVER_ID,
    STS_ENDPOINT: env.STS_ENDPOINT,
    AWS_REGION: env.AWS_REGION,
  });

  const deps: AppDeps = {
    services,
    version: pkg.version,
    principalOf: async (c) => principalFromAuthorizer(c.env?.event?.requestContext?.authorizer?.lambda),
    // Called once per request, after the response is decided (see apiTelemetry for what is printed).
    log: apiTelemetry(logger, metrics, keyMetricsRecorder(cache, keyring)),
    logError: (requestId, error) =>
      logger.error("unexpected error", { requestId, error: errorSummary(error) }),
  };
  return { app: createApp(deps), services, keyring, cache, logger, metrics };
}

/** The EventBridge publisher, imported on demand: the bundle then evaluates the client's code only where it is used. */
async function eventBridgeEvents(
  busName: string,
  region: string | undefined,
  onFailure: (failure: PublishFailure) => void,
): Promise<ChangeEvents> {
  const [{ EventBridgeClient }, { EventBridgeEvents }] = await Promise.all([
    import("@aws-sdk/client-eventbridge"),
    import("../events/eventbridge-events.ts"),
  ]);
  const client = new EventBridgeClient({ ...(region ? { region } : {}), maxAttempts: 2 });
  return new EventBridgeEvents(client, busName, { onFailure });
}
