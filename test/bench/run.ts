// `npm run bench`: measures the local stack and the Lambda bundles, prints Markdown tables on stdout
// (progress on stderr) and writes bench/results.json. `--smoke` runs every section with tiny counts.
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { FULL, runBench, SMOKE } from "./bench.ts";
import { createProgress } from "./progress.ts";
import { toMarkdown } from "./report.ts";

const smoke = process.argv.includes("--smoke");
const results = await runBench(smoke ? SMOKE : FULL, createProgress());
const dir = resolve(import.meta.dirname, "../../bench");
mkdirSync(dir, { recursive: true });
const file = resolve(dir, "results.json");
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${toMarkdown(results)}\n\n(results: ${file})\n`);
// The SDK's keep-alive agents and the engine thread are closed; exit promptly all the same.
process.exit(0);
