// The bench's Lambda section alone (bundle sizes, cold import under Node 24, warm invocations), for work on
// the bundles without the three-minute full run: `npx tsx test/bench/lambda-only.ts [--rounds 3]`. Each round
// is a full section at the FULL settings; the rounds' cold-start ratios are printed with their min and max.
import { FULL } from "./bench.ts";
import { startBenchServer } from "./fixture.ts";
import { measureLambda } from "./lambda.ts";
import { createProgress } from "./progress.ts";

const at = process.argv.indexOf("--rounds");
const rounds = at > 0 ? Number(process.argv[at + 1]) : 1;
const progress = createProgress();
const bench = await startBenchServer();
try {
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    progress.section(`lambda, round ${i + 1}/${rounds}`);
    const r = await measureLambda(bench, FULL.lambda, progress);
    ratios.push(r.cold.ratio);
    const kib = (b: number) => `${Math.round(b / 1024)} KiB`;
    console.log(
      JSON.stringify({
        round: i + 1,
        bundles: Object.fromEntries(r.bundles.map((b) => [b.name, kib(b.bytes)])),
        wallMs: r.cold.wallMs,
        importMs: r.cold.importMs,
        readerRatio: r.cold.ratio,
        writerRatio: r.cold.writerRatio,
        readerPaired: r.cold.readerPaired,
        warmReaderP50: r.warm.api.p50,
      }),
    );
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `reader ÷ empty over ${rounds} rounds: median ${sorted[Math.floor(sorted.length / 2)]}, min ${sorted[0]}, max ${sorted.at(-1)}; load ${(
      await import("node:os")
    )
      .loadavg()
      .map((x) => x.toFixed(2))
      .join("/")}`,
  );
} finally {
  await bench.stop();
  process.exit(0);
}
