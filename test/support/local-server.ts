import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestLog } from "../../lambdas/api/context.ts";
import { type LocalServer, type LocalServerOptions, startLocalServer } from "../../local/server.ts";

export interface TestServer extends LocalServer {
  /** The first-start admin token. */
  adminToken: string;
  /** Every request log line the server emitted (for hygiene checks). */
  logs: RequestLog[];
  /** Startup messages. */
  messages: string[];
  /** fetch against the server with an optional bearer token; JSON bodies are serialised. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returns.
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stops the server and deletes its DATA_DIR (unless keepData). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** The real local server on a random loopback port with a fresh temporary DATA_DIR. */
export async function startTestServer(
  options: { dataDir?: string; webDir?: string; webhook?: LocalServerOptions["webhook"] } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "ss-data-"));
  const logs: RequestLog[] = [];
  const messages: string[] = [];
  const server = await startLocalServer({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    log: (l) => logs.push(l),
    say: (m) => messages.push(m),
    ...(options.webDir ? { webDir: options.webDir } : {}),
    ...(options.webhook ? { webhook: options.webhook } : {}),
  });
  const adminToken =
    server.firstAdminToken ?? (await import("../../local/server.ts")).readAdminToken(dataDir) ?? "";
  return {
    ...server,
    adminToken,
    logs,
    messages,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await fetch(`${server.url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text so a test can say what came back
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async stop(o = {}) {
      await server.close();
      if (!o.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
