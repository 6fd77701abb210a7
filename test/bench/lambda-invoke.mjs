// Invokes a bundled Lambda handler the way the runtime does: import once, then handler(event, context) per
// event, in turn. Writes per-invocation durations to <results.json>; the handler's own output (its logs
// and metrics) goes to stdout, which the caller measures.
// usage: node lambda-invoke.mjs <bundle.mjs> <events.json> <results.json>
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const [bundle, eventsFile, resultsFile] = process.argv.slice(2);
const MARKER = "@@bench: warm invocations follow@@";
const t0 = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const initMs = performance.now() - t0;
const events = JSON.parse(readFileSync(eventsFile, "utf8"));
const durations = [];
const statuses = {};
for (const [i, event] of events.entries()) {
  const context = {
    awsRequestId: `bench-${i}`,
    functionName: "bench",
    getRemainingTimeInMillis: () => 10_000,
    callbackWaitsForEmptyEventLoop: true,
  };
  const started = performance.now();
  const result = await handler(event, context);
  durations.push(performance.now() - started);
  // What the function prints per warm invocation (its log lines and metrics) is counted after this marker.
  if (i === 0) process.stdout.write(`${MARKER}\n`);
  const status = String(result?.statusCode ?? (result?.isAuthorized === true ? "allow" : "deny"));
  statuses[status] = (statuses[status] ?? 0) + 1;
}
writeFileSync(resultsFile, JSON.stringify({ node: process.version, initMs, durations, statuses }));
process.exit(0);
