import { beforeAll, describe, expect, it } from "vitest";
import { type BenchResults, runBench, SMOKE } from "./bench.ts";
import { PRICES } from "./cost.ts";
import { NODE24 } from "./lambda.ts";
import { createProgress } from "./progress.ts";
import { toMarkdown } from "./report.ts";

/**
 * The benchmark's code on tiny counts: every section runs against the real local server, and the results
 * carry the shape the report and the docs rely on and the call-count invariants of the hot path. Timings
 * are never asserted here; `npm run bench` measures them.
 */
describe("npm run bench (smoke: tiny counts)", () => {
  let r: BenchResults;
  beforeAll(async () => {
    r = await runBench(
      SMOKE,
      createProgress(() => {}),
    );
  }, 90_000);

  it("a warm read costs exactly one DynamoDB call (BatchGetItem) and no keyring call", () => {
    expect(r.calls.warm.reads).toBe(SMOKE.warmReads);
    expect(r.calls.warm.dynamo).toEqual({ BatchGetItem: SMOKE.warmReads });
    expect(r.calls.warm.dynamoPerRead).toBe(1);
    expect(r.calls.warm.keyringCalls).toBe(0);
    expect(r.calls.warm.dataKeyCache).toEqual({ hits: SMOKE.warmReads, misses: 0, hitRatio: 1 });
    expect(r.calls.warm.principalCache).toEqual({ hits: SMOKE.warmReads, misses: 0 });
  });

  it("the first read with a fresh token reads the token once and unwraps the data key once", () => {
    expect(r.calls.first.dynamo).toMatchObject({ GetItem: 1, BatchGetItem: 1 });
    expect(r.calls.first.keyringCalls).toBe(1);
    expect(r.calls.first.principalCache).toEqual({ hits: 0, misses: 1 });
  });

  it("a token revoked through the server is refused at once, despite the principal cache", () => {
    expect(r.calls.afterRevoke).toBe(401);
    expect(r.calls.servedAfterRevoke).toBe(0);
  });

  it("the hot path compares the service (in process and as `npm start` runs it) with a bare BatchGetItem in both engine layouts, through the SDK and the lean client, and a hello-world server", () => {
    // A warm read asks for the environment's and the space's item; the scope is known from the first read.
    expect(r.hotPath.keysPerRead).toBe(2);
    const what = r.hotPath.rows.map((row) => `${row.what} @ ${row.engine}`);
    expect(what).toHaveLength(6);
    expect(what.filter((w) => w.startsWith("bare BatchGetItem"))).toHaveLength(3);
    expect(what.filter((w) => w.startsWith("`npm start` server"))).toHaveLength(1);
    for (const row of r.hotPath.rows) {
      expect(row.rounds).toHaveLength(SMOKE.hot.rounds);
      expect(row.rps).toBeGreaterThan(0);
      expect(row.p99).toBeGreaterThanOrEqual(row.p50);
      expect(row.rounds.every((x) => x.errors === 0)).toBe(true);
    }
    const service = r.hotPath.rows.find((row) => row.what.startsWith("service"));
    // Across the whole load run too (warm-up included): one BatchGetItem per request. (A token read may
    // join it when the principal cache's few seconds run out mid-run.)
    expect(service?.extra?.batchGets).toBe(service?.extra?.requests);
    expect(service?.extra?.dynamoCalls).toBeLessThanOrEqual((service?.extra?.requests ?? 0) + 4);
    expect(r.hotPath.ratios.map((x) => `${x.service} ÷ ${x.client} ${x.versus}`).sort()).toEqual([
      "in-process ÷ lean own-thread",
      "in-process ÷ sdk own-process",
      "in-process ÷ sdk own-thread",
      "npm-start ÷ sdk own-process",
      "npm-start ÷ sdk own-thread",
    ]);
    for (const x of r.hotPath.ratios) {
      expect(Number.isFinite(x.ratio)).toBe(true);
      expect(x.min).toBeLessThanOrEqual(x.ratio);
      expect(x.max).toBeGreaterThanOrEqual(x.ratio);
      // One round cannot show a spread: never called trustworthy.
      expect(x.trustworthy).toBe(false);
    }
  });

  it("every set seals its value under one new data key", () => {
    expect(r.writes.keyringCallsPerWrite).toBe(1);
    // One consistent read (scope, current item, environment item), the claim, the update, the audit event.
    // A new name also asks for its latest version (a Query). The operator token's first request adds
    // its lookup (GetItem) and lastUsedAt update (UpdateItem) once per principal-cache period.
    const perWrite = r.writes.dynamoPerWrite;
    expect(perWrite.BatchGetItem).toBe(1);
    // The version claim, and the audit event in the environment's partition and the space's own (SECURITY.md).
    expect(perWrite.PutItem).toBe(3);
    expect(perWrite.UpdateItem).toBeGreaterThanOrEqual(1);
    expect(perWrite.UpdateItem).toBeLessThanOrEqual(1.1);
    expect(perWrite.GetItem ?? 0).toBeLessThanOrEqual(0.1);
    expect(r.writes.rows.map((row) => row.what.split(":")[0])).toEqual([
      "service",
      "bare PutItem, same SDK",
      "bare PutItem, same SDK",
    ]);
  });

  it("writes with a dead or hung webhook receiver run beside writes without one, and every event is accounted for", () => {
    expect(r.deadReceiver.rows.map((row) => row.what)).toEqual([
      "POST /v1/secrets, no webhook",
      "POST /v1/secrets, dead receiver (connection refused)",
      "POST /v1/secrets, hung receiver (never answers)",
    ]);
    for (const row of r.deadReceiver.rows)
      expect(row.rounds.every((x) => x.errors === 0 && x.ops > 0)).toBe(true);
    expect(r.deadReceiver.ratios).toHaveLength(2);
    for (const x of r.deadReceiver.ratios) expect(Number.isFinite(x.ratio)).toBe(true);
    // Nothing was delivered; nothing is left queued after the servers stopped.
    for (const stats of Object.values(r.deadReceiver.webhook))
      expect(stats).toMatchObject({ delivered: 0, queued: 0 });
  });

  it("bundles the three functions and imports and invokes them under Node 24", () => {
    expect(r.lambda.bundles.map((b) => b.name)).toEqual(["reader", "writer", "authorizer"]);
    // The reader (every GET) carries no zod: its largest parts never name it; the writer's do.
    const parts = (name: string) => r.lambda.bundles.find((b) => b.name === name)?.top.map((t) => t.from);
    expect(parts("reader")).not.toContain("zod");
    expect(parts("writer")).toContain("zod");
    for (const b of r.lambda.bundles) {
      expect(b.gzipBytes).toBeGreaterThan(0);
      expect(b.gzipBytes).toBeLessThan(b.bytes);
      expect(b.top.length).toBeGreaterThan(0);
    }
    // Under Node 24 where there is one (scripts/find-tools.mjs); elsewhere the bench says it used this Node.
    expect(r.lambda.cold.node).toEqual(NODE24.path ? expect.stringMatching(/^v24\./) : process.version);
    expect(Number.isFinite(r.lambda.cold.ratio)).toBe(true);
    expect(Number.isFinite(r.lambda.cold.writerRatio)).toBe(true);
    expect(Object.keys(r.lambda.cold.wallMs)).toEqual(["empty", "reader", "writer", "authorizer"]);
    expect(r.lambda.warm.api.invocations).toBe(SMOKE.lambda.warmInvocations);
    // Warm reads print nothing (the access log has them): the largest per-read cost that is a setting.
    expect(r.lambda.warm.api.stdoutBytesPerInvocation).toBe(0);
  });

  it("scale: every seeded secret is listed (plus the one the scope inherits), read by name at every size", () => {
    expect(r.scale.rows.map((s) => s.secrets)).toEqual(SMOKE.scale.sizes);
    for (const s of r.scale.rows) {
      expect(s.list.items).toBe(s.secrets + 1);
      expect(s.read.rps).toBeGreaterThan(0);
    }
  });

  it("the cost model prices the measured calls and adds up", () => {
    const dynamo = r.cost.lines.find((l) => l.item === "DynamoDB reads");
    expect(dynamo?.perMillion).toBeCloseTo(1e6 * 1 * 2 * 0.5 * PRICES.dynamoRru, 4);
    expect(r.cost.lines.find((l) => l.item === "API Gateway HTTP API")?.perMillion).toBe(1);
    const sum = r.cost.lines.reduce((a, l) => a + l.perMillion, 0);
    expect(r.cost.total).toBeCloseTo(sum, 1);
    expect(r.cost.worstCase).toBeGreaterThan(r.cost.total);
    expect(r.cost.secretsManager).toBe(5);
    // The floor: one API request, one Lambda request of 1 ms at 512 MB, one 2-item eventually consistent read.
    expect(r.cost.floor.total).toBeCloseTo(1 + 0.2 + 0.0067 + 0.125, 3);
    expect(r.cost.floor.ratio).toBeGreaterThan(1);
    // Logging less can only cost less.
    // The variant is the stack before its logging changes: it must cost more than the stack as deployed.
    for (const v of r.cost.variants) expect(v.total).toBeGreaterThan(r.cost.total);
  });

  it("renders every section of the report", () => {
    const md = toMarkdown(r);
    for (const heading of [
      "Agent hot path",
      "Per warm read",
      "Write path",
      "Lambda bundles",
      "Scale",
      "Cost per 1M",
    ])
      expect(md).toContain(`### ${heading}`);
    expect(md).not.toMatch(/sst_[A-Za-z0-9_-]{43}/);
  });
});
