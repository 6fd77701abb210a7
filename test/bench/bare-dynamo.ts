import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BatchGetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { createDynamoClients, type DynamoClients } from "../../lambdas/store/client.ts";
import { ensureTable } from "../../lambdas/store/table.ts";
import { startEngineThread } from "../../local/server.ts";
import { processCpuMs, startDaemon } from "./children.ts";
import { runClosedLoop } from "./closed-loop.ts";
import type { RunStats } from "./stats.ts";

/** Where the engine runs relative to the SDK client that drives it. */
export type Layout = "own-thread" | "own-process";

/** How a layout is named in the tables. */
export const LAYOUT_LABEL: Record<Layout, string> = {
  "own-thread": "own thread, same process (as the server)",
  "own-process": "own process",
};

/** A fresh dynalite (LevelDB on disk, like the local server) with a table, reached through the same SDK clients. */
export interface BareEngine {
  layout: Layout;
  clients: DynamoClients;
  table: string;
  /** CPU ms the engine's own process has used (own-process layout on Linux only). */
  engineCpuMs(): number | undefined;
  stop(): Promise<void>;
}

const TABLE = "bench";

export async function startBareEngine(layout: Layout): Promise<BareEngine> {
  const dir = mkdtempSync(join(tmpdir(), "ss-bench-bare-"));
  let endpoint: string;
  let stopEngine: () => Promise<void>;
  let engineCpuMs = (): number | undefined => undefined;
  if (layout === "own-thread") {
    // Exactly how the local server runs its engine.
    const engine = await startEngineThread(dir);
    endpoint = engine.endpoint;
    stopEngine = engine.close;
  } else {
    const daemon = await startDaemon<{ port: number }>([
      resolve(import.meta.dirname, "dynalite-process.mjs"),
      dir,
    ]);
    endpoint = `http://127.0.0.1:${daemon.ready.port}`;
    stopEngine = daemon.stop;
    engineCpuMs = () => processCpuMs(daemon.pid);
  }
  const clients = createDynamoClients({ endpoint, region: "local" });
  await ensureTable(clients.raw, TABLE);
  return {
    layout,
    clients,
    table: TABLE,
    engineCpuMs,
    async stop() {
      clients.raw.destroy();
      await stopEngine();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Copies items (full items, keys included) into the bare engine's table. */
export async function putItems(engine: BareEngine, items: Array<Record<string, unknown>>): Promise<void> {
  for (const Item of items) await engine.clients.doc.send(new PutCommand({ TableName: engine.table, Item }));
}

/** One BatchGetItem of `keys` per operation: the floor under the service's read. */
export function bareBatchGet(
  engine: BareEngine,
  keys: Array<Record<string, unknown>>,
  run: { concurrency: number; durationMs: number; warmupMs: number; count?: number | undefined },
): Promise<RunStats> {
  return runClosedLoop({
    ...run,
    op: async () => {
      const out = await engine.clients.doc.send(
        new BatchGetCommand({ RequestItems: { [engine.table]: { Keys: keys } } }),
      );
      if ((out.Responses?.[engine.table]?.length ?? 0) !== keys.length) throw new Error("missing items");
    },
  });
}

/** The same BatchGetItem through LeanDocClient: the call path the store itself uses. */
export function bareBatchGetLean(
  engine: BareEngine,
  keys: Array<Record<string, unknown>>,
  run: { concurrency: number; durationMs: number; warmupMs: number; count?: number | undefined },
): Promise<RunStats> {
  return runClosedLoop({
    ...run,
    op: async () => {
      const out = await engine.clients.lean.send(
        new BatchGetCommand({ RequestItems: { [engine.table]: { Keys: keys } } }),
      );
      if ((out.Responses?.[engine.table]?.length ?? 0) !== keys.length) throw new Error("missing items");
    },
  });
}

/** One PutItem of an item shaped like a stored secret version per operation: the floor under a write. */
export function barePut(
  engine: BareEngine,
  item: Record<string, unknown>,
  run: { concurrency: number; durationMs: number; warmupMs: number; count?: number | undefined },
): Promise<RunStats> {
  return runClosedLoop({
    ...run,
    op: (i) =>
      engine.clients.doc.send(
        new PutCommand({ TableName: engine.table, Item: { ...item, pk: `BARE#${i % 256}`, sk: `V#${i}` } }),
      ),
  });
}
