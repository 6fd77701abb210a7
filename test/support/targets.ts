import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CloudPath, cloudPathProblems, startCloudPath } from "../../emulator/cloud-path.ts";
import { type RouteEntry, routeTable } from "../../lambdas/api/route-table.ts";
import type { DynamoClients } from "../../lambdas/store/client.ts";
import { startTestServer, type TestServer } from "./local-server.ts";

export type TargetName = "local" | "cloud";

/** One request as the service saw it: method, route pattern (/v1/secrets/{secretId}), status. */
export interface RequestRecord {
  method: string;
  route: string;
  status: number;
}

/**
 * A running scoped-secrets the suites can test without knowing how it is composed: "local" is `npm start`'s
 * server (one process, dynalite, LocalKeyring); "cloud" is `npm run start:cloud` (the bundles under Node 24
 * behind the emulated HTTP API, DynamoDB Local, moto's KMS).
 */
export interface Target {
  name: TargetName;
  url: string;
  adminToken: string;
  dataDir: string;
  /** The raw table (for Scans and tampering). */
  dynamo: DynamoClients & { table: string };
  /** The routes this target serves: the app's route table (local), the template's routes (cloud). */
  routes(): RouteEntry[];
  /** Every request answered so far (a live array). */
  logs: RequestRecord[];
  /** Everything the service logged or printed: the request log (local); access log and function output (cloud). */
  logText(): string;
  /** Files in DATA_DIR that hold a secret by design (searched for nothing, mode 0600). */
  secretFiles: string[];
  /**
   * Resolves once a revocation is in effect: at once on the local server; after the authorizer cache TTL
   * on the cloud path, where API Gateway keeps using a cached answer for that long (test/emulator measures it).
   */
  afterRevoke(): Promise<void>;
  call: TestServer["call"];
  /** The emulator itself (cloud only), for suites that test what only the cloud path has. */
  cloud?: CloudPath | undefined;
  stop(): Promise<void>;
}

/**
 * The authorizer cache TTL the suites deploy the cloud path with (context authorizerCacheSeconds, 0–60, see
 * docs/deploy.md): one second, so a test that revokes a token waits one second instead of sixty. The cache
 * is still on, so every suite runs through it.
 */
export const SUITE_AUTHORIZER_TTL_SECONDS = 1;

/**
 * The deploy settings of the suites' cloud path: the short cache TTL above, and a stage throttle no test
 * client reaches (the default 100 requests/s, burst 200, would answer the isolation matrix's bursts with
 * 429, as the deployed API would). Throttling itself is tested in test/emulator/gateway.test.ts.
 */
export const SUITE_CONTEXT = {
  authorizerCacheSeconds: SUITE_AUTHORIZER_TTL_SECONDS,
  throttleRateLimit: 100_000,
  throttleBurstLimit: 100_000,
};

/** Why the cloud target cannot run on this machine (Node 24 for the bundles, Java, moto), or undefined. */
export const cloudSkipReason: string | undefined = (() => {
  const problems = cloudPathProblems();
  return problems.length ? `cloud path unavailable here: ${problems.join("; ")}` : undefined;
})();

/** Both targets, for describe.each; the cloud target carries its skip reason where it cannot run. */
export const TARGETS: Array<{ name: TargetName; skip: string | undefined }> = [
  { name: "local", skip: undefined },
  { name: "cloud", skip: cloudSkipReason },
];

/** How long starting a target may take (the cloud path synthesizes, bundles and starts Java and Python). */
export const TARGET_START_TIMEOUT_MS = 240_000;

export async function startTarget(
  name: TargetName,
  options: { context?: Record<string, unknown> } = {},
): Promise<Target> {
  return name === "local" ? localTarget() : cloudTarget(options.context ?? {});
}

async function localTarget(): Promise<Target> {
  // No admin UI: every answer of this server is the API's.
  const s = await startTestServer({ webDir: "/nonexistent" });
  return {
    name: "local",
    url: s.url,
    adminToken: s.adminToken,
    dataDir: s.dataDir,
    dynamo: s.dynamo,
    routes: () => routeTable(s.app),
    logs: s.logs as unknown as RequestRecord[],
    logText: () => JSON.stringify(s.logs),
    secretFiles: ["admin-token", "master.key"],
    afterRevoke: async () => {},
    call: s.call,
    stop: () => s.stop(),
  };
}

async function cloudTarget(context: Record<string, unknown>): Promise<Target> {
  if (cloudSkipReason) throw new Error(cloudSkipReason);
  const dataDir = mkdtempSync(join(tmpdir(), "ss-cloud-"));
  const messages: string[] = [];
  let cloud: CloudPath;
  try {
    cloud = await startCloudPath({
      port: 0,
      host: "127.0.0.1",
      dataDir,
      keepLogs: true,
      say: (m) => messages.push(m),
      context: { ...SUITE_CONTEXT, ...context },
    });
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`the cloud path did not start: ${(e as Error).message}\n${messages.join("\n")}`);
  }
  const logs: RequestRecord[] = [];
  // The gateway's records as the local server's request log has them: method, route pattern, status.
  const requests = cloud.logs.requests;
  const sync = () => {
    for (let i = logs.length; i < requests.length; i++) {
      const r = requests[i];
      if (r) logs.push({ method: r.method, route: r.routeKey.split(" ")[1] ?? r.routeKey, status: r.status });
    }
  };
  const live = new Proxy(logs, {
    get(target, key, receiver) {
      sync();
      return Reflect.get(target, key, receiver);
    },
  });
  const ttl = Math.max(...cloud.gatewayConfig.routes.map((r) => r.authorizer?.ttlSeconds ?? 0));
  const call: TestServer["call"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${cloud.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text so a test can say what came back
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    name: "cloud",
    url: cloud.url,
    adminToken: cloud.firstAdminToken ?? "",
    dataDir,
    dynamo: cloud.dynamo,
    routes: () =>
      cloud.gatewayConfig.routes.map((r) => {
        const [method, path] = r.routeKey.split(" ");
        return { method: method as RouteEntry["method"], path: path ?? "", open: r.authorizer === undefined };
      }),
    logs: live,
    logText: () => [...cloud.logs.access, ...cloud.logs.functions].join("\n"),
    secretFiles: ["admin-token", "kms-key.json"],
    afterRevoke: () => new Promise((r) => setTimeout(r, ttl * 1000 + 250)),
    call,
    cloud,
    stop: async () => {
      await cloud.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
