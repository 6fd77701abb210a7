// `npm test`: every check this project has, in order, failing fast. Installs what a fresh machine
// lacks (Java for DynamoDB Local, Chromium for the browser tests) before running anything.
import { spawnSync } from "node:child_process";
import { ensureSystemDeps } from "./system-deps.mjs";

const steps = [
  ["lint and format (biome)", "npx", ["biome", "check", "."]],
  ["type-check (tsc)", "npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]],
  ["tests (vitest: unit, integration, infra, e2e)", "npx", ["vitest", "run", ...process.argv.slice(2)]],
];

if (!ensureSystemDeps()) {
  console.error("npm test: system dependencies are missing (see above); nothing was run.");
  process.exit(1);
}
for (const [title, cmd, args] of steps) {
  console.error(`\n== ${title}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`\nnpm test: "${title}" failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status ?? 1);
  }
  console.error(`== ${title}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
