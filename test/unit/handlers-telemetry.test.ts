import type { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { describe, expect, it, vi } from "vitest";
import { apiTelemetry, METRICS_FLUSH_MS, TELEMETRY } from "../../lambdas/handlers/telemetry.ts";

describe("apiTelemetry", () => {
  const line = (method: string, status: number) => ({
    requestId: "r",
    method,
    route: "/v1/secrets",
    status,
    ms: 1,
  });

  it("sums request counts and publishes them once a minute, or at once after a keyring call", () => {
    // Prepare
    let clock = 0;
    const info = vi.fn();
    const metrics = new Metrics({ namespace: TELEMETRY.namespace, serviceName: TELEMETRY.service });
    const published: string[] = [];
    vi.spyOn(metrics, "publishStoredMetrics").mockImplementation(() => {
      published.push(JSON.stringify(metrics.serializeMetrics()));
      metrics.clearMetrics();
      return metrics;
    });
    let keyringCalls = 0;
    const log = apiTelemetry(
      { info } as unknown as Logger,
      metrics,
      () => ({ keyringCalls }),
      () => clock,
    );

    // Act: 100 reads within the minute, then one more after it
    for (let i = 0; i < 100; i++) log(line("GET", 200));
    const beforeMinute = published.length;
    clock = METRICS_FLUSH_MS;
    log(line("GET", 200));
    keyringCalls = 1;
    log(line("POST", 201));

    // Assess
    expect(beforeMinute).toBe(0);
    expect(published).toHaveLength(2);
    expect(JSON.parse(published[0] as string).Requests).toBe(101);
    expect(JSON.parse(published[1] as string).Requests).toBe(1);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0]?.[1]).toMatchObject({ method: "POST", status: 201 });
  });
});
