import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../../..");

/** `local/main.ts` (what `npm start` runs) in a child process, with everything it prints captured. */
export interface ChildServer {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string>;
}

/** Starts the server on a random port (PORT=0) with DATA_DIR; resolves once it prints its URL. */
export async function startChildServer(dataDir: string): Promise<ChildServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  const exited = new Promise<number | string>((r) =>
    child.once("exit", (code, signal) => r(code ?? signal ?? "")),
  );
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within 30 s:\n${err}`)), 30_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString("utf8");
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}) before listening:\n${err}`));
    });
  });
  return { url, child, stdout: () => out, stderr: () => err, exited };
}
