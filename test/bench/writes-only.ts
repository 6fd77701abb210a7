/**
 * `npx tsx test/bench/writes-only.ts [rounds=3] [concurrency=16]`: only the write section of `npm run bench` (paired
 * rounds against a bare PutItem), for measuring a write-path change without the other sections' minutes.
 */
import { loadavg } from "node:os";
import { startBenchServer } from "./fixture.ts";
import { createProgress } from "./progress.ts";
import { measureWrites } from "./writes.ts";

const rounds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 16);
const bench = await startBenchServer();
try {
  const load = loadavg()[0]?.toFixed(2);
  const r = await measureWrites(
    bench,
    { concurrencies: [concurrency], durationSec: 2, warmupSec: 1, rounds },
    createProgress(),
  );
  for (const row of r.rows)
    console.log(
      `${row.what} @ ${row.engine}: ${Math.round(row.rps)} ops/s, p50 ${row.p50} ms, CPU ${row.cpuMsPerOp} ms/op`,
    );
  for (const x of r.ratios)
    console.log(
      `c=${x.concurrency} ÷ bare (${x.versus}): ${x.ratio} (${x.min}–${x.max})${x.trustworthy ? "" : " ⚠"}`,
    );
  console.log(
    `calls per set: ${JSON.stringify(r.dynamoPerWrite)} · load ${load} → ${loadavg()[0]?.toFixed(2)}`,
  );
} finally {
  await bench.stop();
}
