// `npm test`: every check this project has, in order, failing fast. Installs what a fresh machine
// lacks (Java for DynamoDB Local, Chromium for the browser tests) before running anything, and stops
// at once, with the command to run, when python3 lacks moto's server (KMS, STS and EventBridge in tests).
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
const moto = spawnSync("python3", ["-c", "import moto.server, moto.kms, moto.sts"], { encoding: "utf8" });
if (moto.error || moto.status !== 0) {
  console.error(
    `npm test: the KMS, STS and EventBridge tests need moto's server for python3; install it with: pip install "moto[server]"${moto.error ? " (python3 is not on PATH)" : ""}`,
  );
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
