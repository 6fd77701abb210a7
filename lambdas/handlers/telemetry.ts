import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { RequestLog } from "../api/context.ts";
import type { DataKeyCache } from "../crypto/data-key-cache.ts";
import type { KeyringStats } from "../crypto/keyring.ts";
import type { PublishFailure } from "../events/eventbridge-events.ts";

/** Names the functions emit and the stack's dashboard and alarms read: one definition for both sides. */
export const TELEMETRY = {
  service: "scoped-secrets",
  namespace: "ScopedSecrets",
  metrics: {
    requests: "Requests",
    dataKeyCacheHits: "DataKeyCacheHits",
    dataKeyCacheMisses: "DataKeyCacheMisses",
    keyringGenerateDataKey: "KeyringGenerateDataKey",
    keyringDecrypt: "KeyringDecrypt",
    authorizerAllows: "AuthorizerAllows",
    authorizerDenials: "AuthorizerDenials",
    authorizerErrors: "AuthorizerErrors",
    changeEventFailures: "ChangeEventPublishFailures",
  },
} as const;

/** The structured (JSON) logger of every function. */
export const createLogger = (): Logger => new Logger({ serviceName: TELEMETRY.service });

/** EMF metrics under the service's namespace, with the `service` dimension the dashboard queries. */
export const createMetrics = (): Metrics =>
  new Metrics({ namespace: TELEMETRY.namespace, serviceName: TELEMETRY.service });

/**
 * Turns the cumulative counters of the data-key cache and the keyring into metrics: each call adds what
 * happened since the previous one (published with the next flush) and says how many keyring calls that was.
 */
export function keyMetricsRecorder(cache: DataKeyCache, keyring: { readonly stats: KeyringStats }) {
  let last = { hits: 0, misses: 0, generateDataKey: 0, decrypt: 0 };
  return (metrics: Metrics): { keyringCalls: number } => {
    const { hits, misses } = cache.stats();
    const now = {
      hits,
      misses,
      generateDataKey: keyring.stats.generateDataKey,
      decrypt: keyring.stats.decrypt,
    };
    const m = TELEMETRY.metrics;
    const deltas: Array<[string, number]> = [
      [m.dataKeyCacheHits, now.hits - last.hits],
      [m.dataKeyCacheMisses, now.misses - last.misses],
      [m.keyringGenerateDataKey, now.generateDataKey - last.generateDataKey],
      [m.keyringDecrypt, now.decrypt - last.decrypt],
    ];
    for (const [name, delta] of deltas) if (delta > 0) metrics.addMetric(name, MetricUnit.Count, delta);
    const keyringCalls = now.generateDataKey - last.generateDataKey + now.decrypt - last.decrypt;
    last = now;
    return { keyringCalls };
  };
}

/** What may be logged about an unexpected error: its kind, never its message (an SDK message can echo input). */
export function errorSummary(error: unknown): Record<string, string | number | undefined> {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    cause?: { name?: unknown; $metadata?: { httpStatusCode?: number } };
  };
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    name: str(e.name),
    code: str(e.code),
    cause: str(e.cause?.name),
    causeStatus: e.cause?.$metadata?.httpStatusCode,
  };
}

/**
 * A change event that did not reach the bus: a warning line (names and versions, never a value) and a
 * metric published at once, so a frozen or recycled instance cannot lose the count. The write stands.
 */
export function changeEventFailureReporter(logger: Logger, metrics: Metrics) {
  return ({ event, error }: PublishFailure): void => {
    const { type, environmentId, spaceId, name, version } = event;
    logger.warn("change event not published", { type, environmentId, spaceId, name, version, error });
    metrics.addMetric(TELEMETRY.metrics.changeEventFailures, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  };
}

/** How often batched request metrics are published: per-request EMF lines would cost more than the reads. */
export const METRICS_FLUSH_MS = 60_000;

/**
 * Request logging and metrics for the API function, shaped by cost: a successful read prints nothing (the
 * API's access log already records it), writes and errors print their request line, and request metrics
 * are summed in memory and published at most once a minute, or at once when a keyring (KMS) call happened.
 * A frozen-then-reclaimed instance can lose up to a minute of request counts; never a log line of a write
 * or an error.
 */
export function apiTelemetry(
  logger: Logger,
  metrics: Metrics,
  recordKeyMetrics: (metrics: Metrics) => { keyringCalls: number },
  now: () => number = Date.now,
) {
  let requests = 0;
  let lastFlush = now();
  return (line: RequestLog): void => {
    if (line.method !== "GET" || line.status >= 400) logger.info("request", { ...line });
    requests++;
    const { keyringCalls } = recordKeyMetrics(metrics);
    if (keyringCalls > 0 || now() - lastFlush >= METRICS_FLUSH_MS) {
      metrics.addMetric(TELEMETRY.metrics.requests, MetricUnit.Count, requests);
      metrics.publishStoredMetrics();
      requests = 0;
      lastFlush = now();
    }
  };
}
