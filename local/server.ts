import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { serve } from "@hono/node-server";
import { createApp } from "../lambdas/api/app.ts";
import { bearerToken } from "../lambdas/api/bearer.ts";
import type { App, AppDeps, RequestLog, Services } from "../lambdas/api/context.ts";
import { createServices } from "../lambdas/api/services.ts";
import { addAwsAuth, checkAwsAuthConfig } from "../lambdas/auth/aws-auth.ts";
import { TokenService } from "../lambdas/core/token-service.ts";
import { DataKeyCache } from "../lambdas/crypto/data-key-cache.ts";
import { EnvelopeCipher } from "../lambdas/crypto/envelope-cipher.ts";
import { LocalKeyring } from "../lambdas/crypto/local-keyring.ts";
import { createDynamoClients, type DynamoClients } from "../lambdas/store/client.ts";
import { createDynamoStore } from "../lambdas/store/dynamo-store.ts";
import { KNOWN_SCOPE_TTL_MS } from "../lambdas/store/known-scopes.ts";
import { ensureTable } from "../lambdas/store/table.ts";
import { serveStatic } from "./static.ts";
import { VERSION } from "./version.ts";

export const LOCAL_TABLE = "scoped-secrets";
/** How long the local server reuses an authenticated principal (API Gateway's authorizer cache is ≤ 60 s). */
export const PRINCIPAL_CACHE_MS = 5_000;

export interface LocalServerOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Where request log lines go (one JSON object per request); default stdout. */
  log?: (line: RequestLog) => void;
  /** Human-readable start-up messages; default stderr. */
  say?: (message: string) => void;
  /** Directory of the built admin UI, served at /. */
  webDir?: string;
  /** AWS login: this server's id (SERVER_ID; default DATA_DIR/server-id, made on first start). */
  serverId?: string | undefined;
  /** AWS login: the STS endpoint logins are verified with (STS_ENDPOINT; default from AWS_REGION, else global). */
  stsEndpoint?: string | undefined;
  awsRegion?: string | undefined;
}

export interface LocalServer {
  url: string;
  port: number;
  dataDir: string;
  services: Services;
  /** The fetch-style app this server serves (for route-table checks). */
  app: App;
  keyring: LocalKeyring;
  cache: DataKeyCache;
  dynamo: DynamoClients & { endpoint: string; table: string };
  /** Set on the first start only: the admin token just created (also in DATA_DIR/admin-token). */
  firstAdminToken?: string | undefined;
  close(): Promise<void>;
}

/** A clear, single-line failure for things a user can fix (port taken, data dir not writable). */
export class StartupError extends Error {
  override name = "StartupError";
}

/**
 * The embedded server: the same app and authorization as the cloud, over dynalite persisted in
 * DATA_DIR and a local master key. One process, no AWS account.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const say = options.say ?? ((m: string) => process.stderr.write(`${m}\n`));
  const dataDir = resolve(options.dataDir);
  prepareDataDir(dataDir);
  // rotate-key leaves master.key.new until every data key is re-wrapped: starting now would serve
  // values half under one key and half under the other.
  if (existsSync(join(dataDir, "master.key.new")))
    throw new StartupError(
      `a key rotation in ${dataDir} did not finish (master.key.new exists); run \`scoped-secrets rotate-key --data-dir ${dataDir}\` again to complete it, then start the server`,
    );

  // Checked before the database is created, so a bad setting never leaves a half-made first start.
  const awsAuth = {
    serverId: options.serverId ?? localServerId(dataDir),
    STS_ENDPOINT: options.stsEndpoint,
    AWS_REGION: options.awsRegion,
  };
  try {
    checkAwsAuthConfig(awsAuth);
  } catch (e) {
    throw new StartupError((e as Error).message);
  }

  const db = await startEngineThread(join(dataDir, "db")).catch((e) => {
    throw new StartupError(`could not start the embedded database in ${dataDir}/db: ${(e as Error).message}`);
  });
  const endpoint = db.endpoint;
  const clients = createDynamoClients({ endpoint, region: "local" });
  // An engine that dies while opening (LevelDB locked by another server) fails start-up with this message.
  const engineDied = new Promise<never>((_, reject) => {
    db.onError = reject;
  });
  const tableState = await Promise.race([ensureTable(clients.raw, LOCAL_TABLE), engineDied]).catch((e) => {
    clients.raw.destroy();
    void db.close();
    throw new StartupError(
      `the embedded database in ${dataDir}/db could not be opened (${(e as Error).message}); is another scoped-secrets server using this DATA_DIR?`,
    );
  });
  db.onError = (e) => {
    throw e;
  };
  const keyPath = join(dataDir, "master.key");
  let keyring: LocalKeyring;
  try {
    // A table with data but no key file means the key is lost or misplaced: never silently make a new one.
    keyring = await LocalKeyring.open(keyPath, {
      create: tableState === "created" || !existsSync(join(dataDir, "db")),
    });
  } catch (e) {
    void db.close();
    throw new StartupError((e as Error).message);
  }

  // One process serves every request here, so deletes forget known scopes at once.
  const store = createDynamoStore(clients.doc, LOCAL_TABLE, { knownScopeTtlMs: KNOWN_SCOPE_TTL_MS });
  const cache = new DataKeyCache();
  const services = createServices(store, new EnvelopeCipher(keyring, cache));
  // Stands in for API Gateway's authorizer cache: a warm read costs one DynamoDB call, not two. Revoking a
  // token here drops the cache at once; only a change made outside this process waits for the TTL.
  services.tokens = new TokenService({
    tokens: store,
    scopes: store,
    principalCache: { ttlMs: PRINCIPAL_CACHE_MS },
  });
  addAwsAuth(services, store, awsAuth);
  const log =
    options.log ??
    ((line: RequestLog) => process.stdout.write(`${JSON.stringify({ level: "info", ...line })}\n`));
  const deps: AppDeps = {
    services,
    version: VERSION,
    principalOf: (c) => services.tokens.authenticate(bearerToken(c.req.header("authorization"))),
    log,
    logError: (requestId, e) =>
      process.stderr.write(
        `${JSON.stringify({ level: "error", requestId, error: (e as Error)?.name, code: (e as { code?: string })?.code })}\n`,
      ),
  };
  const app = createApp(deps);
  const webDir = options.webDir ?? resolve(import.meta.dirname, "../web/dist");
  if (existsSync(webDir)) serveStatic(app, webDir);

  const adminTokenPath = join(dataDir, "admin-token");
  let firstAdminToken: string | undefined;
  if (!existsSync(adminTokenPath) && tableState === "created") {
    const { token } = await services.tokens.create({
      name: "bootstrap admin",
      role: "admin",
      createdBy: "local-server",
    });
    writeFileSync(adminTokenPath, `${token}\n`, { mode: 0o600, flag: "wx" });
    firstAdminToken = token;
  }

  const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }) as Server;
  await new Promise<void>((ok, fail) => {
    server.once("listening", ok);
    server.once("error", (e: NodeJS.ErrnoException) => {
      void db.close();
      if (e.code === "EADDRINUSE")
        fail(
          new StartupError(
            `port ${options.port} on ${options.host} is already in use; stop the other process or set PORT to a free port`,
          ),
        );
      else if (e.code === "EACCES")
        fail(
          new StartupError(
            `no permission to listen on port ${options.port}; choose a port above 1024 with PORT`,
          ),
        );
      else fail(new StartupError(`cannot listen on ${options.host}:${options.port}: ${e.message}`));
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  if (firstAdminToken) {
    say(`scoped-secrets ${VERSION} listening on ${url}`);
    say(
      `First start: created an admin token. It is shown once here and saved to ${adminTokenPath} (mode 0600):`,
    );
    say(`  ${firstAdminToken}`);
  } else {
    say(`scoped-secrets ${VERSION} listening on ${url} (data in ${dataDir})`);
    say(
      existsSync(adminTokenPath)
        ? `Admin token: in ${adminTokenPath}`
        : `No ${adminTokenPath}: use an admin token you created earlier.`,
    );
  }

  say(
    `AWS logins (--aws-iam): server id ${services.awsAuth?.serverId}, verified with STS at ${services.awsAuth?.stsHost}`,
  );

  let closed = false;
  return {
    url,
    port,
    dataDir,
    services,
    app,
    keyring,
    cache,
    dynamo: { ...clients, endpoint, table: LOCAL_TABLE },
    firstAdminToken,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      clients.raw.destroy();
      await db.close();
    },
  };
}

function prepareDataDir(dataDir: string) {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK | constants.R_OK);
  } catch (e) {
    throw new StartupError(
      `DATA_DIR ${dataDir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set DATA_DIR to a directory you can write`,
    );
  }
}

// dynalite runs on its own thread: the HTTP/app thread and the database then use two cores, in one process.

/** dynalite on a worker thread of this process, persisted to `path`. */
export interface EngineThread {
  endpoint: string;
  /** What happens when the engine fails after start-up; by default the error is rethrown (the process ends). */
  onError: (error: Error) => void;
  close(): Promise<void>;
}

/** Starts dynalite (LevelDB in `path`) on its own thread; the benchmark's baseline uses the same setup. */
export async function startEngineThread(path: string): Promise<EngineThread> {
  const worker = new Worker(new URL("./engine-thread.cjs", import.meta.url), { workerData: { path } });
  let closing = false;
  const exited = new Promise<void>((r) => worker.once("exit", () => r()));
  const port = await new Promise<number>((ok, fail) => {
    worker.once("message", (m: { port?: number; error?: string }) =>
      m.port ? ok(m.port) : fail(new Error(m.error ?? "no port")),
    );
    worker.once("error", fail);
    void exited.then(() => fail(new Error("the database thread stopped")));
  });
  const engine: EngineThread = {
    endpoint: `http://127.0.0.1:${port}`,
    // A failing engine fails the server, as it did when it ran on the main thread.
    onError: (e) => {
      throw e;
    },
    close() {
      if (!closing) worker.postMessage("close");
      closing = true;
      return exited;
    },
  };
  worker.on("error", (e) => {
    if (!closing) engine.onError(e);
  });
  return engine;
}

/** This server's id for AWS logins, kept in DATA_DIR/server-id (not a secret: it names the deployment). */
function localServerId(dataDir: string): string {
  const file = join(dataDir, "server-id");
  if (!existsSync(file))
    writeFileSync(file, `local-${randomBytes(12).toString("hex")}\n`, { mode: 0o644, flag: "wx" });
  return readFileSync(file, "utf8").trim();
}

/** Reads DATA_DIR/admin-token if present (the CLI's default credentials). */
export function readAdminToken(dataDir: string): string | undefined {
  const p = join(resolve(dataDir), "admin-token");
  return existsSync(p) ? readFileSync(p, "utf8").trim() || undefined : undefined;
}
