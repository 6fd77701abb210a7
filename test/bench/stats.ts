/** Throughput and latency of one measured run. Latencies in milliseconds. */
export interface RunStats {
  /** Operations completed inside the measured window. */
  ops: number;
  /** Operations per second. */
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  /** Failed operations (non-2xx for HTTP, thrown errors otherwise). */
  errors: number;
  /** Length of the measured window in seconds. */
  seconds: number;
  /** Every operation the run caused, warm-up included (for CPU per operation), when known exactly. */
  allOps?: number;
}

/** The q-quantile (0..1) of sorted values, nearest-rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** Summarises per-operation latencies (ms) over a window of `seconds`. */
export function summarize(latencies: number[], seconds: number, errors = 0): RunStats {
  const sorted = Float64Array.from(latencies).sort();
  const total = latencies.reduce((a, b) => a + b, 0);
  return {
    ops: latencies.length,
    rps: round(latencies.length / seconds, 1),
    p50: round(quantile(sorted, 0.5), 3),
    p99: round(quantile(sorted, 0.99), 3),
    mean: round(latencies.length ? total / latencies.length : Number.NaN, 3),
    errors,
    seconds: round(seconds, 2),
  };
}

export const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const median = (values: number[]): number =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
