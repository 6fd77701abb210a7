import { performance } from "node:perf_hooks";
import { httpLoad } from "./children.ts";
import { type BenchServer, HOT } from "./fixture.ts";
import type { Progress } from "./progress.ts";
import { seedName, seedSecrets } from "./seed.ts";
import { median, round } from "./stats.ts";

export interface ScaleRow {
  secrets: number;
  /** Warm read of one name at concurrency 1. */
  read: { rps: number; p50: number; p99: number };
  /** Listing the whole scope (all pages) with values, as an agent. */
  list: { items: number; pages: number; ms: number; msPer100: number; keyringCallsPerListing: number };
}

export interface ScaleResult {
  rows: ScaleRow[];
  seedSeconds: number;
}

const SCOPE = { environmentId: HOT.environmentId, spaceId: "scale_space" };

/** Read latency and list latency as one scope grows; the secrets are written straight through the store. */
export async function measureScale(
  bench: BenchServer,
  options: { sizes: number[]; readSec: number; readAmount?: number; listBudgetMs: number },
  progress: Progress,
): Promise<ScaleResult> {
  const space = await bench.call("POST", "/v1/spaces", bench.admin, {
    environmentId: SCOPE.environmentId,
    id: SCOPE.spaceId,
    name: "scale",
  });
  if (space.status !== 201) throw new Error(`creating the scale space failed: ${space.status}`);
  const made = await bench.call("POST", "/v1/tokens", bench.admin, {
    name: "bench scale",
    role: "agent",
    ...SCOPE,
  });
  const agent = made.body.data.token as string;
  const rows: ScaleRow[] = [];
  let seeded = 0;
  let seedMs = 0;
  for (const size of options.sizes) {
    progress.step(`seeding ${size - seeded} secrets (scope now ${size})`);
    const t0 = performance.now();
    await seedSecrets(bench.server, SCOPE, seeded, size);
    seedMs += performance.now() - t0;
    seeded = size;

    progress.step(`read one name of ${size}, c=1`);
    const q = new URLSearchParams({ ...SCOPE, name: seedName(Math.floor(size / 2)) });
    const read = await httpLoad({
      url: `${bench.server.url}/v1/secrets?${q}`,
      connections: 1,
      durationSec: options.readSec,
      amount: options.readAmount,
      warmupSec: options.readAmount ? 0 : 0.5,
      headers: { authorization: `Bearer ${agent}` },
    });
    if (read.errors) throw new Error(`scale read failed: ${JSON.stringify(read.statusCodes)}`);

    progress.step(`list all ${size} (every page, values decrypted)`);
    const times: number[] = [];
    let items = 0;
    let pages = 0;
    const keyring0 = bench.server.keyring.stats.decrypt;
    const started = performance.now();
    // At least two listings; more while the budget lasts.
    while (times.length < 2 || (performance.now() - started < options.listBudgetMs && times.length < 20)) {
      const t = performance.now();
      let cursor: string | undefined;
      items = 0;
      pages = 0;
      do {
        const query = new URLSearchParams({ ...SCOPE, ...(cursor ? { cursor } : {}) });
        const r = await bench.call("GET", `/v1/secrets?${query}`, agent);
        if (r.status !== 200) throw new Error(`list failed: ${r.status}`);
        items += r.body.data.length;
        pages++;
        cursor = r.body.cursor;
      } while (cursor);
      times.push(performance.now() - t);
    }
    const ms = median(times);
    rows.push({
      secrets: size,
      read: { rps: read.rps, p50: read.p50, p99: read.p99 },
      list: {
        items,
        pages,
        ms: round(ms, 1),
        msPer100: round((ms / items) * 100, 2),
        keyringCallsPerListing: round((bench.server.keyring.stats.decrypt - keyring0) / times.length, 0),
      },
    });
  }
  return { rows, seedSeconds: round(seedMs / 1000, 1) };
}
