import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { PRINCIPAL_CACHE_MS } from "../../local/server.ts";
import { type CallsResult, measureCalls } from "./calls.ts";
import type { LoadSettings } from "./compare.ts";
import { type CostInputs, type CostModel, costModel, DEFAULT_SCENARIO, PRICES } from "./cost.ts";
import { type DeadReceiverResult, measureDeadReceiver } from "./dead-receiver.ts";
import { startBenchServer } from "./fixture.ts";
import { type HotPathResult, measureHotPath } from "./hot-path.ts";
import { type LambdaResult, measureLambda } from "./lambda.ts";
import type { Progress } from "./progress.ts";
import { measureScale, type ScaleResult } from "./scale.ts";
import { round } from "./stats.ts";
import { measureWrites, type WritesResult } from "./writes.ts";

export interface BenchSettings {
  /** npmStart: also measure the server as `npm start` runs it, in its own process, logging to stdout. */
  hot: LoadSettings & { npmStart: boolean };
  writes: LoadSettings;
  /** Sets with no webhook, a dead and a hung webhook receiver (local change events). */
  deadReceiver: LoadSettings;
  /** Warm reads counted for the per-read call figures (≥ 1,000 in a full run). */
  warmReads: number;
  lambda: { coldSamples: number; warmInvocations: number };
  scale: { sizes: number[]; readSec: number; readAmount?: number; listBudgetMs: number };
}

/** `npm run bench`: about three and a half minutes on two cores. */
export const FULL: BenchSettings = {
  hot: { concurrencies: [1, 16], durationSec: 2, warmupSec: 1, rounds: 3, npmStart: true },
  writes: { concurrencies: [1, 16], durationSec: 2, warmupSec: 1, rounds: 3 },
  deadReceiver: { concurrencies: [16], durationSec: 2, warmupSec: 1, rounds: 2 },
  warmReads: 1000,
  lambda: { coldSamples: 11, warmInvocations: 500 },
  scale: { sizes: [10, 1000, 10_000], readSec: 2, listBudgetMs: 1500 },
};

/** The smoke test's settings: every section, tiny counts, seconds in all. */
export const SMOKE: BenchSettings = {
  hot: { concurrencies: [2], durationSec: 1, warmupSec: 0, rounds: 1, amount: 200, npmStart: true },
  writes: { concurrencies: [2], durationSec: 1, warmupSec: 0, rounds: 1, amount: 40 },
  deadReceiver: { concurrencies: [2], durationSec: 1, warmupSec: 0, rounds: 1, amount: 20 },
  warmReads: 30,
  lambda: { coldSamples: 1, warmInvocations: 10 },
  scale: { sizes: [5, 40], readSec: 1, readAmount: 50, listBudgetMs: 0 },
};

export interface BenchResults {
  meta: {
    date: string;
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
    /** The 1-minute load average as each section started. */
    loadBySection: Array<{ section: string; load1: number }>;
    seconds: number;
    settings: BenchSettings;
    principalCacheMs: number;
  };
  calls: CallsResult;
  hotPath: HotPathResult;
  writes: WritesResult;
  deadReceiver: DeadReceiverResult;
  lambda: LambdaResult;
  scale: ScaleResult;
  cost: CostModel & { prices: typeof PRICES };
}

/**
 * The cost model's measured inputs, from a run's sections. `npm run bench -- --cost` reads them back from
 * bench/results.json, so the cost section can be recomputed after a pricing or stack change without a run.
 */
export function costInputs(r: {
  settings: BenchSettings;
  calls: CallsResult;
  hotPath: HotPathResult;
  lambda: LambdaResult;
}): CostInputs {
  // Subtract the latency of the same call path the bundles use (LeanDynamo), so what is left is their
  // own compute. (Subtracting the SDK's slower bare call would flatter the function.)
  const c1 = Math.min(...r.settings.hot.concurrencies);
  const bareC1 = r.hotPath.rows.find((row) => row.what.includes("lean client") && row.concurrency === c1);
  return {
    keysPerRead: r.hotPath.keysPerRead,
    dynamoCallsPerRead: r.calls.warm.dynamoPerRead,
    apiWarmMs: r.lambda.warm.api.p50,
    authorizerWarmMs: r.lambda.warm.authorizer.p50,
    localDynamoMs: bareC1?.p50 ?? 0,
    apiLogBytes: r.lambda.warm.api.stdoutBytesPerInvocation,
    apiLogEvents: r.lambda.warm.api.stdoutLinesPerInvocation,
    authorizerLogBytes: r.lambda.warm.authorizer.stdoutBytesPerInvocation,
    // Reads start the reader function cold (every GET route; the writer is the rest).
    apiColdImportMs: r.lambda.cold.importMs.reader - r.lambda.cold.importMs.empty,
  };
}

/** Runs every section against one real local server in a fresh temporary DATA_DIR, then removes it. */
export async function runBench(settings: BenchSettings, progress: Progress): Promise<BenchResults> {
  const started = performance.now();
  const loadAverageBefore = loadavg().map((l) => round(l, 2));
  const loadBySection: Array<{ section: string; load1: number }> = [];
  const mark = (section: string) => loadBySection.push({ section, load1: round(loadavg()[0] ?? 0, 2) });
  progress.section("start: local server in a temporary DATA_DIR, scope, secret, agent token");
  const bench = await startBenchServer();
  try {
    progress.section(`per warm read: call counts over ${settings.warmReads} reads`);
    mark("calls");
    const calls = await measureCalls(bench, settings.warmReads);
    progress.section("agent hot path: service vs bare BatchGetItem vs hello-world");
    mark("hot path");
    const hotPath = await measureHotPath(bench, settings.hot, progress);
    progress.section("write path: service sets vs bare PutItem");
    mark("writes");
    const writes = await measureWrites(bench, settings.writes, progress);
    progress.section("write path with change events: no webhook vs a dead and a hung receiver");
    const deadReceiver = await measureDeadReceiver(settings.deadReceiver, progress);
    progress.section("Lambda: bundle sizes, cold import, warm invocations (Node 24)");
    mark("lambda");
    const lambda = await measureLambda(bench, settings.lambda, progress);
    progress.section("scale: read and list latency as a scope grows");
    mark("scale");
    const scale = await measureScale(bench, settings.scale, progress);

    const cost = costModel(costInputs({ settings, calls, hotPath, lambda }), DEFAULT_SCENARIO);
    const cpu = cpus();
    return {
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        platform: `${process.platform}/${process.arch}`,
        cpus: cpu.length,
        cpuModel: cpu[0]?.model ?? "unknown",
        loadAverageBefore,
        loadAverageAfter: loadavg().map((l) => round(l, 2)),
        loadBySection,
        seconds: round((performance.now() - started) / 1000, 1),
        settings,
        principalCacheMs: PRINCIPAL_CACHE_MS,
      },
      calls,
      hotPath,
      writes,
      deadReceiver,
      lambda,
      scale,
      cost: { ...cost, prices: PRICES },
    };
  } finally {
    await bench.stop();
  }
}
