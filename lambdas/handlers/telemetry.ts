import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { DataKeyCache } from "../crypto/data-key-cache.ts";
import type { KeyringStats } from "../crypto/keyring.ts";

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
  },
} as const;

/** The structured (JSON) logger of every function. */
export const createLogger = (): Logger => new Logger({ serviceName: TELEMETRY.service });

/** EMF metrics under the service's namespace, with the `service` dimension the dashboard queries. */
export const createMetrics = (): Metrics =>
  new Metrics({ namespace: TELEMETRY.namespace, serviceName: TELEMETRY.service });

/**
 * Turns the cumulative counters of the data-key cache and the keyring into per-request metrics: each call
 * publishes what happened since the previous one.
 */
export function keyMetricsRecorder(cache: DataKeyCache, keyring: { readonly stats: KeyringStats }) {
  let last = { hits: 0, misses: 0, generateDataKey: 0, decrypt: 0 };
  return (metrics: Metrics): void => {
    const { hits, misses } = cache.stats();
    const now = {
      hits,
      misses,
      generateDataKey: keyring.stats.generateDataKey,
      decrypt: keyring.stats.decrypt,
    };
    const m = TELEMETRY.metrics;
    metrics.addMetric(m.dataKeyCacheHits, MetricUnit.Count, now.hits - last.hits);
    metrics.addMetric(m.dataKeyCacheMisses, MetricUnit.Count, now.misses - last.misses);
    metrics.addMetric(m.keyringGenerateDataKey, MetricUnit.Count, now.generateDataKey - last.generateDataKey);
    metrics.addMetric(m.keyringDecrypt, MetricUnit.Count, now.decrypt - last.decrypt);
    last = now;
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
