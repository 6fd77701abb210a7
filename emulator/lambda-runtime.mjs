// One Lambda-like execution environment, run under Node 24 by emulator/lambda-pool.ts: imports the bundle
// once (the init phase), then runs one invocation at a time as the parent sends them over IPC, as the
// Node.js runtime does. Plain JavaScript: it runs on the Lambda runtime's Node, not through tsx.
// usage: node lambda-runtime.mjs <bundle dir> <handler, e.g. index.handler>
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [codeDir, handlerSpec] = process.argv.slice(2);
const dot = handlerSpec.lastIndexOf(".");
const [file, exportName] = [handlerSpec.slice(0, dot), handlerSpec.slice(dot + 1)];
const errorOf = (e) => ({ errorType: e?.name ?? "Error", errorMessage: String(e?.message ?? e) });

// The parent going away ends this environment (no orphans after a crash of the emulator).
process.on("disconnect", () => process.exit(0));

let handler;
try {
  // Lambda's Node.js runtime looks for .js, .mjs, then .cjs.
  const path = [".js", ".mjs", ".cjs"].map((ext) => join(codeDir, file + ext)).find((p) => existsSync(p));
  if (!path)
    throw Object.assign(new Error(`Cannot find module '${file}'`), { name: "Runtime.ImportModuleError" });
  handler = (await import(pathToFileURL(path).href))[exportName];
  if (typeof handler !== "function")
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), {
      name: "Runtime.HandlerNotFound",
    });
  process.send({ type: "ready" });
} catch (e) {
  process.send({ type: "init-error", ...errorOf(e) }, () => process.exit(1));
}

process.on("message", async (m) => {
  if (m?.type !== "invoke") return;
  const context = {
    ...m.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, m.deadline - Date.now()),
  };
  try {
    const result = await handler(m.event, context);
    process.send({ type: "result", id: m.id, result: result === undefined ? null : result });
  } catch (e) {
    process.send({ type: "error", id: m.id, ...errorOf(e) });
  }
});
