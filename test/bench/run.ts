// `npm run bench`: measures the local stack and the Lambda bundles, prints Markdown tables on stdout
// (progress on stderr) and writes bench/results.json. `--smoke` runs every section with tiny counts.
// `--cost` measures nothing: it reprices the last run's bench/results.json with the current cost model and
// stack settings (seconds, for a change to prices, log format or memory size) and prints that section.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type BenchResults, costInputs, FULL, runBench, SMOKE } from "./bench.ts";
import { costModel, DEFAULT_SCENARIO, PRICES } from "./cost.ts";
import { createProgress } from "./progress.ts";
import { costMarkdown, toMarkdown } from "./report.ts";

const dir = resolve(import.meta.dirname, "../../bench");
const file = resolve(dir, "results.json");

if (process.argv.includes("--cost")) {
  if (!existsSync(file)) {
    process.stderr.write(`No ${file}: run \`npm run bench\` once first; --cost reprices its measurements.\n`);
    process.exit(1);
  }
  const last = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
  const cost = {
    ...costModel(costInputs({ settings: last.meta.settings, ...last }), DEFAULT_SCENARIO),
    prices: PRICES,
  };
  process.stdout.write(
    `_Measurements of the run of ${last.meta.date} (${file}), priced by the current model._\n${costMarkdown(cost)}\n`,
  );
  process.exit(0);
}

const smoke = process.argv.includes("--smoke");
const results = await runBench(smoke ? SMOKE : FULL, createProgress());
mkdirSync(dir, { recursive: true });
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${toMarkdown(results)}\n\n(results: ${file})\n`);
// The SDK's keep-alive agents and the engine thread are closed; exit promptly all the same.
process.exit(0);
