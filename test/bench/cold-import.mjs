// Imports one module in a fresh process and reports how long the import (module init, top-level await
// included) took, then exits at once: keep-alive sockets or timers must not keep it alive.
// usage: node cold-import.mjs <module.mjs>
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const started = performance.now();
await import(pathToFileURL(process.argv[2]).href);
const importMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ importMs, sinceProcessStartMs: performance.now() })}\n`);
process.exit(0);
