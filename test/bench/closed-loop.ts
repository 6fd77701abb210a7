import { performance } from "node:perf_hooks";
import { type RunStats, summarize } from "./stats.ts";

export interface ClosedLoopOptions {
  /** Operations in flight at once; each worker starts its next operation when the previous one ends. */
  concurrency: number;
  /** Measured window in ms (ends the run unless `count` does first). */
  durationMs?: number;
  /** Stop after this many operations (across workers). */
  count?: number | undefined;
  /** Unmeasured operations time before the window, in ms. */
  warmupMs?: number;
  /** One operation; `i` is a running index across workers. */
  op: (i: number) => Promise<unknown>;
}

/**
 * Drives `op` as a closed loop in this process, like autocannon drives an HTTP server: a fixed number of
 * operations in flight, latency measured per operation.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<RunStats> {
  let index = 0;
  if (options.warmupMs) {
    const until = performance.now() + options.warmupMs;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < until) await options.op(index++);
      }),
    );
  }
  const latencies: number[] = [];
  let errors = 0;
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  const until = started + (options.durationMs ?? Number.POSITIVE_INFINITY);
  let issued = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (issued < limit && performance.now() < until) {
        issued++;
        const t0 = performance.now();
        try {
          await options.op(index++);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const stats = summarize(latencies, (performance.now() - started) / 1000, errors);
  return { ...stats, allOps: index };
}
