import { runCli } from "./program.ts";

/** `scoped-secrets …` (bin/scoped-secrets.js runs this through tsx). */

// `scoped-secrets ls | head`: the reader went away; stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// A listener module may leave timers or sockets open; the run is over, so do not wait for them.
setTimeout(() => process.exit(code), 200).unref();
