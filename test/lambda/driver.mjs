// Runs a bundled Lambda handler the way the Node.js runtime does: import the module once (cold start),
// then call `handler(event, context)` for each event in turn. Spawned under Node 24 by the bundle tests.
// usage: node driver.mjs <bundle.mjs> <events.json> <results.json>
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [bundle, eventsFile, resultsFile] = process.argv.slice(2);
const results = { node: process.version, invocations: [] };
try {
  const { handler } = await import(pathToFileURL(bundle).href);
  const events = JSON.parse(readFileSync(eventsFile, "utf8"));
  for (const [i, event] of events.entries()) {
    const context = {
      awsRequestId: `invocation-${i}`,
      functionName: "bundle-test",
      getRemainingTimeInMillis: () => 10_000,
      callbackWaitsForEmptyEventLoop: true,
    };
    try {
      results.invocations.push({ result: await handler(event, context) });
    } catch (error) {
      results.invocations.push({ error: { name: error?.name, message: error?.message } });
    }
  }
} catch (error) {
  results.initError = { name: error?.name, message: error?.message };
}
writeFileSync(resultsFile, JSON.stringify(results));
// Keep-alive sockets would hold the process open, as they do in a frozen Lambda sandbox.
process.exit(0);
