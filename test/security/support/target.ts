import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoClients } from "../../../lambdas/store/client.ts";
import { type LocalServer, readAdminToken, startLocalServer } from "../../../local/server.ts";
import { startTarget, type TargetName } from "../../support/targets.ts";
import { Tally } from "./tally.ts";
import type { Call } from "./world.ts";

/**
 * What the stronger security suites need of a deployment: a URL and an admin token, plus what only some
 * targets offer (raw table access, the data directory, the log lines). The local server is one target; the
 * cloud path on one machine can be another (same interface, with `raw` pointing at its DynamoDB Local).
 */
export interface SecurityTarget {
  name: string;
  url: string;
  adminToken: string;
  /** A counted call with the raw text kept for leak searches. */
  call: Call;
  tally: Tally;
  /** Direct access to the table (an attacker with a dump or write access). */
  raw?: { dynamo: DynamoClients; table: string } | undefined;
  /** The directory whose bytes must never hold a value or token. */
  dataDir?: string | undefined;
  /** Every log line the target wrote, as text. */
  logs?: (() => string) | undefined;
  /** Resolves once a revocation is in effect (the cloud path: after the authorizer cache TTL). */
  afterRevoke?: (() => Promise<void>) | undefined;
  /** The local server itself, for tests that need its internals (fault injection). */
  local?: LocalServer | undefined;
  stop(): Promise<void>;
}

/** A fresh local server (real dynalite on its private socket, real crypto) as a target. */
export async function localTarget(suite = "target"): Promise<SecurityTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), "ss-target-"));
  const lines: string[] = [];
  const server = await startLocalServer({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    log: (l) => lines.push(JSON.stringify(l)),
    say: (m) => lines.push(m.includes("sst_") ? "(admin token line)" : m),
  });
  const adminToken = server.firstAdminToken ?? readAdminToken(dataDir) ?? "";
  const tally = new Tally(suite);
  return {
    name: "local",
    url: server.url,
    adminToken,
    call: httpCall(server.url, tally),
    tally,
    raw: { dynamo: server.dynamo, table: server.dynamo.table },
    dataDir,
    logs: () => lines.join("\n"),
    local: server,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `npm run start:cloud` as a target: the bundles behind the emulated gateway, DynamoDB Local as `raw`, its
 * DATA_DIR (table files, logs, assembly) and the access log plus every function's output as `logs`.
 */
export async function cloudTarget(suite = "target"): Promise<SecurityTarget> {
  const target = await startTarget("cloud");
  const tally = new Tally(suite);
  return {
    name: "cloud",
    url: target.url,
    adminToken: target.adminToken,
    call: httpCall(target.url, tally),
    tally,
    raw: { dynamo: target.dynamo, table: target.dynamo.table },
    dataDir: target.dataDir,
    logs: () => target.logText(),
    afterRevoke: () => target.afterRevoke(),
    stop: () => target.stop(),
  };
}

/** A remote target from SECURITY_TARGET_URL and SECURITY_TARGET_ADMIN_TOKEN (no raw access). */
export function remoteTarget(suite = "target"): SecurityTarget | undefined {
  const url = process.env.SECURITY_TARGET_URL;
  const adminToken = process.env.SECURITY_TARGET_ADMIN_TOKEN;
  if (!url || !adminToken) return undefined;
  const tally = new Tally(suite);
  return { name: "remote", url, adminToken, call: httpCall(url, tally), tally, stop: async () => undefined };
}

/** The remote target when configured, else a fresh local server or cloud path. */
export async function securityTarget(suite: string, name: TargetName = "local"): Promise<SecurityTarget> {
  return remoteTarget(suite) ?? (await (name === "cloud" ? cloudTarget(suite) : localTarget(suite)));
}

export function httpCall(url: string, tally: Tally): Call {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${url}${path}`, { method, headers, body });
    const text = await res.text();
    tally.saw(res.status);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the text is kept for the assertion that complains about it
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
}
