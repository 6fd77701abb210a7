import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { createDynamoClients, type DynamoClients } from "../lambdas/store/client.ts";

/** dynalite on a worker thread of this process, persisted to `path`, reached over a private unix socket. */
export interface EngineThread {
  /** The socket (a named pipe on Windows) the engine listens on; mode 0600 in a 0700 directory. */
  socketPath: string;
  /** The same, as an endpoint createDynamoClients (and DYNAMODB_ENDPOINT) understands: `unix:<path>`. */
  endpoint: string;
  /** What happens when the engine fails after start-up; by default the error is rethrown (the process ends). */
  onError: (error: Error) => void;
  close(): Promise<void>;
}

// Unix socket paths are limited to 104–108 bytes; a longer DATA_DIR gets a private directory in tmpdir.
const MAX_SOCKET_PATH = 100;
const SOCKET_PATTERN = /^db-(\d+)-[0-9a-f]+\.sock$/;

/**
 * Starts dynalite (LevelDB in `path`) on its own thread. It listens on a unix socket in `socketDir` (made
 * 0700; default a fresh private directory), never on a TCP port: dynalite checks no credentials, so a port
 * would let any local user read and write the table. The benchmark's baseline uses the same setup.
 */
export async function startEngineThread(
  path: string,
  options: { socketDir?: string } = {},
): Promise<EngineThread> {
  const socketPath = socketPathIn(options.socketDir);
  const worker = new Worker(new URL("./engine-thread.cjs", import.meta.url), {
    workerData: { path, socketPath },
  });
  let closing = false;
  const exited = new Promise<void>((r) => worker.once("exit", () => r()));
  await new Promise<void>((ok, fail) => {
    worker.once("message", (m: { socketPath?: string; error?: string }) =>
      m.socketPath ? ok() : fail(new Error(m.error ?? "the database did not start")),
    );
    worker.once("error", fail);
    void exited.then(() => fail(new Error("the database thread stopped")));
  });
  const engine: EngineThread = {
    socketPath,
    endpoint: `unix:${socketPath}`,
    // A failing engine fails the server, as it did when it ran on the main thread.
    onError: (e) => {
      throw e;
    },
    async close() {
      if (!closing) worker.postMessage("close");
      closing = true;
      await exited;
      removeQuietly(socketPath);
    },
  };
  worker.on("error", (e) => {
    if (!closing) engine.onError(e);
  });
  return engine;
}

/** SDK clients that reach `engine` (and nothing else) over its socket. */
export const engineClients = (engine: Pick<EngineThread, "socketPath">): DynamoClients =>
  createDynamoClients({ socketPath: engine.socketPath, region: "local" });

/**
 * The engine and clients the local server and `rotate-key` use on a DATA_DIR: one helper, so both reach
 * the store the same way (a socket under DATA_DIR/run).
 */
export async function openEmbeddedStore(
  dataDir: string,
): Promise<{ engine: EngineThread; clients: DynamoClients }> {
  const engine = await startEngineThread(join(dataDir, "db"), { socketDir: join(dataDir, "run") });
  return { engine, clients: engineClients(engine) };
}

function socketPathIn(socketDir: string | undefined): string {
  const name = `db-${process.pid}-${randomBytes(4).toString("hex")}.sock`;
  if (process.platform === "win32") return `\\\\.\\pipe\\scoped-secrets-${name}`;
  if (socketDir !== undefined && join(socketDir, name).length <= MAX_SOCKET_PATH) {
    mkdirSync(socketDir, { recursive: true, mode: 0o700 });
    chmodSync(socketDir, 0o700);
    removeStaleSockets(socketDir);
    return join(socketDir, name);
  }
  // mkdtemp creates the directory 0700.
  return join(mkdtempSync(join(tmpdir(), "ss-db-")), name);
}

/** Sockets left by a server that was killed (its pid is gone); a live server's socket is never touched. */
function removeStaleSockets(dir: string) {
  for (const entry of readdirSync(dir)) {
    const pid = Number(SOCKET_PATTERN.exec(entry)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    removeQuietly(join(dir, entry));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeQuietly(path: string) {
  if (process.platform === "win32") return;
  try {
    unlinkSync(path);
    // A private tmpdir directory made for this socket goes with it.
    if (/\/ss-db-[^/]+\/db-[^/]+\.sock$/.test(path))
      rmSync(join(path, ".."), { recursive: true, force: true });
  } catch {
    // already gone
  }
}
