import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
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
import type { DynamoClients } from "../lambdas/store/client.ts";
import { createDynamoStore } from "../lambdas/store/dynamo-store.ts";
import { KNOWN_SCOPE_TTL_MS } from "../lambdas/store/known-scopes.ts";
import { ensureTable } from "../lambdas/store/table.ts";
import { allowedHosts, misdirected } from "./allowed-hosts.ts";
import { openEmbeddedStore } from "./embedded-engine.ts";
import { serveStatic } from "./static.ts";
import { VERSION } from "./version.ts";
import { WebhookEvents, type WebhookTuning } from "./webhook-events.ts";
import { openWebhookSecret } from "./webhook-signature.ts";

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
  /** Change events as signed POSTs to `url` (EVENTS_WEBHOOK_URL); tuning and the warning log for tests. */
  webhook?:
    | ({ url: string; log?: (line: Record<string, unknown>) => void } & Partial<WebhookTuning>)
    | undefined;
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
  /** The change-event webhook publisher, when EVENTS_WEBHOOK_URL is set. */
  webhook?: WebhookEvents | undefined;
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
  const webhook = options.webhook ? openWebhook(options.webhook, dataDir, say) : undefined;
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

  const { engine: db, clients } = await openEmbeddedStore(dataDir).catch((e) => {
    throw new StartupError(`could not start the embedded database in ${dataDir}/db: ${(e as Error).message}`);
  });
  const endpoint = db.endpoint;
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
  const store = createDynamoStore(clients.lean, LOCAL_TABLE, { knownScopeTtlMs: KNOWN_SCOPE_TTL_MS });
  const cache = new DataKeyCache();
  const services = createServices(store, new EnvelopeCipher(keyring, cache), undefined, webhook);
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

  const hostAllowed = allowedHosts(options.host);
  const fetch: typeof app.fetch = (req, ...rest) =>
    hostAllowed(req.headers.get("host") ?? undefined) ? app.fetch(req, ...rest) : misdirected();
  const server = serve({ fetch, port: options.port, hostname: options.host }) as Server;
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
    webhook,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      await webhook?.close();
      clients.raw.destroy();
      await db.close();
    },
  };
}

/** The webhook publisher for EVENTS_WEBHOOK_URL, with its signing secret in DATA_DIR/webhook-secret. */
function openWebhook(
  config: NonNullable<LocalServerOptions["webhook"]>,
  dataDir: string,
  say: (message: string) => void,
): WebhookEvents {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new StartupError("EVENTS_WEBHOOK_URL is not a URL; set it to http(s)://host[:port]/path");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new StartupError(`EVENTS_WEBHOOK_URL must be an http or https URL, not ${url.protocol}`);
  let secret: ReturnType<typeof openWebhookSecret>;
  try {
    secret = openWebhookSecret(dataDir);
  } catch (e) {
    throw new StartupError((e as Error).message);
  }
  const { url: _, log, ...tuning } = config;
  const events = new WebhookEvents({
    ...tuning,
    url: url.href,
    secret: secret.secret,
    userAgent: `scoped-secrets/${VERSION}`,
    log: log ?? ((line) => process.stderr.write(`${JSON.stringify(line)}\n`)),
  });
  // The origin only: a webhook URL's path or query often carries the receiver's own secret.
  say(
    `Change events: POST to ${events.target}, signed with the secret in ${secret.path}${secret.created ? " (created now, mode 0600)" : ""}`,
  );
  return events;
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

// dynalite runs on its own thread and a private unix socket (local/embedded-engine.ts).
export { type EngineThread, startEngineThread } from "./embedded-engine.ts";

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
