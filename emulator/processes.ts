import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

interface PidFile {
  owner: number;
  children: number[];
}

const MARKERS = ["DynamoDBLocal.jar", "moto-kms.py", "lambda-runtime.mjs"];

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return undefined;
  }
}

/**
 * The emulator's child processes, written to DATA_DIR so that a later start can end what an emulator killed
 * with SIGKILL left behind (Lambda workers and moto exit with their parent by themselves; Java does not).
 * Returns an error message when another live emulator owns the DATA_DIR.
 */
export function reapStale(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  let recorded: PidFile;
  try {
    recorded = JSON.parse(readFileSync(file, "utf8")) as PidFile;
  } catch {
    rmSync(file, { force: true });
    return undefined;
  }
  if (recorded.owner !== process.pid && cmdline(recorded.owner)?.includes("emulator/main.ts"))
    return `another \`npm run start:cloud\` (pid ${recorded.owner}) is using this DATA_DIR; stop it first`;
  for (const pid of recorded.children) {
    const cmd = cmdline(pid);
    if (cmd && MARKERS.some((m) => cmd.includes(m))) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  rmSync(file, { force: true });
  return undefined;
}

/** Records the current children (called whenever the set changes). */
export function recordChildren(file: string, children: number[]): void {
  writeFileSync(file, JSON.stringify({ owner: process.pid, children } satisfies PidFile), { mode: 0o600 });
}
