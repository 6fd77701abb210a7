import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { LeanDynamo } from "../../lambdas/store/lean-dynamo.ts";
import { type LocalServer, startLocalServer } from "../../local/server.ts";
import { LAYOUT_LABEL } from "./bare-dynamo.ts";

/** The scope and secret the agent hot path reads: an environment value overridden in a space. */
export const HOT = { environmentId: "bench_env", spaceId: "bench_space", name: "API_KEY" } as const;

/** DynamoDB commands sent through a client, by name, plus the last BatchGetItem request (for the bare baseline). */
export interface CommandCounter {
  counts: Record<string, number>;
  total(): number;
  reset(): void;
  /** The keys of the last BatchGetItem, as sent. */
  lastBatchGetKeys(): Array<Record<string, unknown>>;
}

/**
 * Counts every command the client (and any document client built on it) sends, and every call of the
 * lean client (LeanDynamo) the store uses, which bypasses the SDK's middleware stack.
 */
export function countCommands(raw: DynamoDBClient, lean?: LeanDynamo): CommandCounter {
  let lastKeys: unknown[] = [];
  const counter: CommandCounter = {
    counts: {},
    total: () => Object.values(counter.counts).reduce((a, b) => a + b, 0),
    reset: () => {
      counter.counts = {};
    },
    lastBatchGetKeys: () => lastKeys.map((k) => unmarshall(k as Parameters<typeof unmarshall>[0])),
  };
  if (lean)
    lean.observer = (operation, input) => {
      counter.counts[operation] = (counter.counts[operation] ?? 0) + 1;
      if (operation === "BatchGetItem") {
        const items = input.RequestItems as Record<string, { Keys?: unknown[] }> | undefined;
        lastKeys = Object.values(items ?? {})[0]?.Keys ?? [];
      }
    };
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? "unknown").replace(/Command$/, "");
      counter.counts[name] = (counter.counts[name] ?? 0) + 1;
      if (name === "BatchGetItem") {
        const input = args.input as { RequestItems?: Record<string, { Keys?: unknown[] }> };
        lastKeys = Object.values(input.RequestItems ?? {})[0]?.Keys ?? [];
      }
      return next(args);
    },
    // After the document client has marshalled its input: the request as it goes on the wire.
    { step: "build", name: "benchCommandCounter" },
  );
  return counter;
}

/** Path and query of the agent hot-path read. */
export const HOT_PATH = `/v1/secrets?${new URLSearchParams({ ...HOT })}`;

type Call = BenchServer["call"];

/** An environment value overridden in a space, and an agent token for that space; returns the token. */
export async function seedHotPath(call: Call, admin: string): Promise<string> {
  const must = async (method: string, path: string, body: unknown) => {
    const r = await call(method, path, admin, body);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await must("POST", "/v1/environments", { id: HOT.environmentId, name: "bench" });
  await must("POST", "/v1/spaces", { environmentId: HOT.environmentId, id: HOT.spaceId, name: "bench" });
  await must("POST", "/v1/secrets", {
    environmentId: HOT.environmentId,
    name: HOT.name,
    value: "environment-value-0123456789abcdef",
  });
  await must("POST", "/v1/secrets", { ...HOT, value: "space-override-value-0123456789abcdef" });
  const created = await must("POST", "/v1/tokens", {
    name: "bench agent",
    role: "agent",
    environmentId: HOT.environmentId,
    spaceId: HOT.spaceId,
  });
  return created.data.token as string;
}

/** fetch-based API call with a bearer token; the body parsed as JSON. */
export function apiCaller(baseUrl: string): Call {
  return async (method, path, token, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

export interface BenchServer {
  server: LocalServer;
  admin: string;
  agent: string;
  /** Path and query of the hot-path read. */
  hotPath: string;
  counter: CommandCounter;
  /** Requests the server has answered (from its request log). */
  requests: { count: number };
  /** Where the server's dynalite runs, for the table. */
  engine: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of every route, read field by field
  call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** The real local server in a fresh temporary DATA_DIR, with the hot-path scope, secret and an agent token. */
export async function startBenchServer(): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "ss-bench-"));
  const requests = { count: 0 };
  const server = await startLocalServer({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    // What `npm start` does per request, minus the write to stdout.
    log: (line) => {
      JSON.stringify({ level: "info", ...line });
      requests.count++;
    },
    say: () => {},
  });
  const admin = server.firstAdminToken ?? "";
  const call = apiCaller(server.url);
  const agent = await seedHotPath(call, admin);
  const counter = countCommands(server.dynamo.raw, server.dynamo.lean.lean);
  return {
    server,
    admin,
    agent,
    hotPath: HOT_PATH,
    counter,
    requests,
    engine: LAYOUT_LABEL["own-thread"],
    call,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
