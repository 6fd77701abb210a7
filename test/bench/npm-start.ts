import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { processCpuMs } from "./children.ts";
import { apiCaller, HOT_PATH, seedHotPath } from "./fixture.ts";

const ROOT = resolve(import.meta.dirname, "../..");

/** The server exactly as `npm start` runs it, in its own process, logging one JSON line per request. */
export interface NpmStartServer {
  url: string;
  pid: number;
  agent: string;
  hotPath: string;
  /** Requests answered so far: lines of its request log (its stdout, sent to a file). */
  answered(): number;
  /** CPU ms the server process has used so far (Linux /proc). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/**
 * `npm start` is `tsx local/main.ts` (after building the admin UI); this runs the same entry with the same
 * loader (`node --import tsx`, one process, so its CPU can be read) in a fresh DATA_DIR with the default
 * logging: every request prints its JSON line to stdout, here a file, as `npm start > server.log` would.
 */
export async function startNpmStartServer(): Promise<NpmStartServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "ss-bench-npm-start-"));
  const logFile = join(dataDir, "stdout.log");
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: join(dataDir, "data") },
    stdio: ["ignore", out, "pipe"],
  });
  closeSync(out);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = await new Promise<string>((ok, fail) => {
    let err = "";
    child.stderr?.on("data", (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m?.[1]) ok(m[1]);
    });
    child.once("exit", (code) => fail(new Error(`npm start server exited ${code}: ${err.slice(-1000)}`)));
  });
  const admin = readFileSync(join(dataDir, "data", "admin-token"), "utf8").trim();
  const agent = await seedHotPath(apiCaller(url), admin);
  let lines = 0;
  let offset = 0;
  return {
    url,
    pid: child.pid ?? 0,
    agent,
    hotPath: HOT_PATH,
    answered() {
      const text = readFileSync(logFile);
      for (let i = offset; i < text.length; i++) if (text[i] === 10) lines++;
      offset = text.length;
      return lines;
    },
    cpuMs: () => processCpuMs(child.pid ?? 0),
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
