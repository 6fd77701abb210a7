import type { Progress } from "./progress.ts";
import { median, type RunStats, round } from "./stats.ts";

/** One thing to measure at a given concurrency; runs alternate with the others of the same comparison. */
export interface Contender {
  what: string;
  /** Where the DynamoDB engine runs relative to the code calling it. */
  engine: string;
  /** One run; `warm` is true on the first round only (later rounds find everything warm already). */
  run: (concurrency: number, warm: boolean) => Promise<RunStats>;
  /** CPU ms used outside this process (e.g. by an engine in its own process) so far, if known. */
  externalCpuMs?: () => number | undefined;
  /** Called around each run, e.g. to count DynamoDB calls per request. */
  before?: () => void;
  after?: () => Promise<Record<string, number>>;
}

/** Medians over the rounds of one contender at one concurrency. */
export interface ComparedRow {
  what: string;
  engine: string;
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU ms per operation: this process (server, or SDK client with any in-process engine)… */
  cpuMsPerOp: number;
  /** …plus the engine's own process when it has one. */
  totalCpuMsPerOp?: number | undefined;
  /** Extra per-run figures from `after`, summed over rounds. */
  extra?: Record<string, number>;
  rounds: Array<Pick<RunStats, "rps" | "p50" | "p99" | "ops" | "errors">>;
}

export interface LoadSettings {
  concurrencies: number[];
  /** Measured seconds per run (autocannon stops on whole seconds). */
  durationSec: number;
  /** Unmeasured seconds before the first round's runs. */
  warmupSec: number;
  /** Instead of a duration: this many operations per run (the smoke test: autocannon needs ≥ 1 s otherwise). */
  amount?: number;
  /** Contenders alternate this many times; medians are reported, so load from elsewhere hits all alike. */
  rounds: number;
}

/**
 * Runs every contender at every concurrency, interleaved round by round. Medians of rps and latency are
 * reported; CPU per operation is total CPU over every operation run (warm-up included on both sides).
 */
export async function compare(
  contenders: Contender[],
  settings: LoadSettings,
  progress: Progress,
): Promise<{ rows: ComparedRow[]; runs: Map<string, RunStats[]> }> {
  const rows: ComparedRow[] = [];
  const runs = new Map<string, RunStats[]>();
  for (const c of settings.concurrencies) {
    const perContender = contenders.map(() => ({
      stats: [] as RunStats[],
      cpuMs: 0,
      externalMs: 0 as number | undefined,
      extra: {} as Record<string, number>,
    }));
    for (let r = 0; r < settings.rounds; r++) {
      for (const [i, contender] of contenders.entries()) {
        const acc = perContender[i];
        if (!acc) continue;
        progress.step(`${contender.what} [${contender.engine}] c=${c} (round ${r + 1}/${settings.rounds})`);
        contender.before?.();
        const ext0 = contender.externalCpuMs?.();
        const cpu0 = process.cpuUsage();
        const stats = await contender.run(c, r === 0);
        const cpu = process.cpuUsage(cpu0);
        const ext1 = contender.externalCpuMs?.();
        acc.cpuMs += (cpu.user + cpu.system) / 1000;
        acc.externalMs =
          ext0 === undefined || ext1 === undefined || acc.externalMs === undefined
            ? undefined
            : acc.externalMs + (ext1 - ext0);
        for (const [k, v] of Object.entries((await contender.after?.()) ?? {}))
          acc.extra[k] = (acc.extra[k] ?? 0) + v;
        acc.stats.push(stats);
      }
    }
    for (const [i, contender] of contenders.entries()) {
      const acc = perContender[i];
      if (!acc) continue;
      const ops = acc.stats.reduce((a, s) => a + (s.allOps ?? s.ops), 0);
      runs.set(`${i}@${c}`, acc.stats);
      rows.push({
        what: contender.what,
        engine: contender.engine,
        concurrency: c,
        rps: median(acc.stats.map((s) => s.rps)),
        p50: median(acc.stats.map((s) => s.p50)),
        p99: median(acc.stats.map((s) => s.p99)),
        cpuMsPerOp: round(acc.cpuMs / ops, 3),
        totalCpuMsPerOp:
          contender.externalCpuMs && acc.externalMs !== undefined
            ? round((acc.cpuMs + acc.externalMs) / ops, 3)
            : undefined,
        ...(Object.keys(acc.extra).length ? { extra: acc.extra } : {}),
        rounds: acc.stats.map(({ rps, p50, p99, ops, errors }) => ({ rps, p50, p99, ops, errors })),
      });
    }
  }
  return { rows, runs };
}

/** A ratio whose rounds spread (max − min) by more than this share of its median is not to be trusted. */
export const MAX_TRUSTED_SPREAD = 0.2;

/** a ÷ b per round, with its median, min and max, and whether the spread is narrow enough to trust. */
export interface RatioStats {
  /** Median over rounds. */
  ratio: number;
  min: number;
  max: number;
  rounds: number[];
  /** (max − min) ÷ median. */
  spread: number;
  trustworthy: boolean;
}

/** Median over rounds of a's rps ÷ b's rps in the same round (a paired ratio, robust to drifting load). */
export function pairedRatio(a: RunStats[], b: RunStats[]): number {
  return pairedRatioStats(a, b).ratio;
}

/** The paired ratio with its spread across rounds (see MAX_TRUSTED_SPREAD). */
export function pairedRatioStats(a: RunStats[], b: RunStats[]): RatioStats {
  const rounds = a.map((s, k) => round(s.rps / (b[k]?.rps ?? Number.NaN), 3));
  const ratio = round(median(rounds), 2);
  const min = round(Math.min(...rounds), 2);
  const max = round(Math.max(...rounds), 2);
  const spread = round((Math.max(...rounds) - Math.min(...rounds)) / median(rounds), 3);
  return { ratio, min, max, rounds, spread, trustworthy: rounds.length >= 3 && spread <= MAX_TRUSTED_SPREAD };
}
