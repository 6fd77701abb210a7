import { createHmac, timingSafeEqual } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { StartupError, startLocalServer } from "../../../local/server.ts";
import { freePort } from "../../support/engines.ts";
import { startTestServer, type TestServer } from "../../support/local-server.ts";

interface Delivery {
  headers: IncomingMessage["headers"];
  body: string;
  url: string;
}

/** A webhook receiver on 127.0.0.1 that records each request and answers with `respond`. */
async function startReceiver(
  respond: (req: Delivery, res: ServerResponse) => void = (_, res) => res.end("ok"),
) {
  const deliveries: Delivery[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      const d = { headers: req.headers, body, url: req.url ?? "" };
      deliveries.push(d);
      held.push(res);
      respond(d, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/scoped-secrets?token=receiver-own-secret`,
    deliveries,
    async stop() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** What docs/events.md tells receivers to do, verbatim in spirit: parse, recompute, compare, check age. */
function verify(secret: string, header: string | undefined, body: string, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(
    (header ?? "").split(",").map((kv) => kv.split("=", 2) as [string, string]),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds || !parts.v1) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function setup(
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  tuning: Record<string, number> = {},
) {
  const warnings: Array<Record<string, unknown>> = [];
  const server = await startTestServer({
    webhook: { url: receiver.url, backoffMs: 10, drainMs: 50, ...tuning, log: (l) => warnings.push(l) },
  });
  cleanups.push(
    () => receiver.stop(),
    () => server.stop(),
  );
  const admin = server.adminToken;
  await server.call("POST", "/v1/environments", { token: admin, body: { name: "E", id: "env_ev" } });
  await server.call("POST", "/v1/spaces", {
    token: admin,
    body: { name: "S", id: "sp_ev", environmentId: "env_ev" },
  });
  const set = async (name: string, value: string, spaceId?: string) =>
    server.call("POST", "/v1/secrets", {
      token: admin,
      body: { name, value, environmentId: "env_ev", ...(spaceId ? { spaceId } : {}) },
    });
  return { server, admin, warnings, set };
}

const secretOf = (server: TestServer) => readFileSync(join(server.dataDir, "webhook-secret"), "utf8").trim();

describe("change events on the local server (EVENTS_WEBHOOK_URL)", () => {
  it("POSTs one signed event per change — create, update, delete, rollback — with names and versions, never values", async () => {
    const receiver = await startReceiver();
    const { server, admin, set } = await setup(receiver);
    expect(statSync(join(server.dataDir, "webhook-secret")).mode & 0o777).toBe(0o600);
    const said = server.messages.join("\n");
    expect(said).toContain("Change events: POST to http://127.0.0.1:");
    expect(said).not.toContain("receiver-own-secret");

    const values = ["v-one-7f3a", "v-two-91bc", "v-space-c0de", "v-other-5e5e"];
    const created = await set("API_KEY", values[0] as string);
    expect(created.status).toBe(201);
    expect((await set("API_KEY", values[1] as string)).status).toBe(200);
    const override = await set("API_KEY", values[2] as string, "sp_ev");
    expect(override.status).toBe(201);
    expect(
      (await server.call("DELETE", `/v1/secrets/${override.body.data.id}`, { token: admin })).status,
    ).toBe(200);
    const rolled = await server.call("POST", `/v1/secrets/${created.body.data.id}/rollback`, {
      token: admin,
      body: { version: 1 },
    });
    expect(rolled.status).toBe(200);
    // A failed write (precondition) is no change: no event.
    const stale = await server.call("POST", "/v1/secrets", {
      token: admin,
      body: { name: "API_KEY", value: values[3], environmentId: "env_ev", expectedVersion: 1 },
    });
    expect(stale.status).toBe(412);

    await until("five deliveries", () => receiver.deliveries.length >= 5);
    await new Promise((r) => setTimeout(r, 100)); // nothing more arrives
    expect(receiver.deliveries).toHaveLength(5);
    const secret = secretOf(server);
    const events = receiver.deliveries.map((d) => {
      expect(d.url).toBe("/hooks/scoped-secrets?token=receiver-own-secret");
      expect(d.headers["content-type"]).toBe("application/json");
      expect(verify(secret, d.headers["x-scoped-secrets-signature"] as string, d.body)).toBe(true);
      // The signature covers the body: a changed body, or another secret, fails.
      expect(
        verify(secret, d.headers["x-scoped-secrets-signature"] as string, d.body.replace("env_ev", "env_xx")),
      ).toBe(false);
      expect(verify(`${secret}x`, d.headers["x-scoped-secrets-signature"] as string, d.body)).toBe(false);
      for (const v of values) expect(d.body).not.toContain(v);
      return JSON.parse(d.body);
    });
    const adminId = (await server.call("GET", "/v1/whoami", { token: admin })).body.data.tokenId;
    expect(events.map((e) => [e.type, e.spaceId, e.name, e.version])).toEqual([
      ["secret.created", undefined, "API_KEY", 1],
      ["secret.updated", undefined, "API_KEY", 2],
      ["secret.created", "sp_ev", "API_KEY", 1],
      ["secret.deleted", "sp_ev", "API_KEY", 2],
      ["secret.rolled_back", undefined, "API_KEY", 3],
    ]);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(
        ["actor", "at", "environmentId", "name", "type", "version", ...(e.spaceId ? ["spaceId"] : [])].sort(),
      );
      expect(e).toMatchObject({ environmentId: "env_ev", actor: adminId });
      expect(Date.parse(e.at)).not.toBeNaN();
    }
    expect(receiver.deliveries[0]?.headers["x-scoped-secrets-event"]).toBe("secret.created");
    expect(server.webhook?.stats()).toMatchObject({ delivered: 5, failed: 0, dropped: 0 });
  });

  it("retries a failing receiver with backoff and delivers the event once it answers 2xx", async () => {
    let calls = 0;
    const receiver = await startReceiver((_, res) => {
      calls++;
      res.statusCode = calls < 3 ? 503 : 204;
      res.end();
    });
    const { server, set } = await setup(receiver);
    expect((await set("RETRIED", "r-value")).status).toBe(201);
    await until("delivery", () => server.webhook?.stats().delivered === 1);
    expect(receiver.deliveries).toHaveLength(3);
    expect(new Set(receiver.deliveries.map((d) => d.body)).size).toBe(1);
    expect(server.webhook?.stats()).toMatchObject({ delivered: 1, retries: 2, failed: 0 });
  });

  it("a dead receiver fails no write: the event is retried, then given up, logged without values", async () => {
    const port = await freePort(); // nothing listens here
    const receiver = {
      url: `http://127.0.0.1:${port}/hook?token=receiver-own-secret`,
      deliveries: [],
      stop: async () => {},
    };
    const { server, set, warnings } = await setup(receiver, { maxAttempts: 3 });
    expect((await set("DEAD", "dead-value-1")).status).toBe(201);
    expect((await set("DEAD", "dead-value-2")).status).toBe(200);
    await until("both given up", () => server.webhook?.stats().failed === 2);
    expect(server.webhook?.stats()).toMatchObject({ delivered: 0, failed: 2, retries: 4 });
    const notDelivered = warnings.filter((w) => w.message === "change event not delivered");
    expect(notDelivered).toHaveLength(2);
    expect(notDelivered[0]).toMatchObject({
      type: "secret.created",
      name: "DEAD",
      attempts: 3,
      reason: "unreachable",
    });
    const logged = JSON.stringify(warnings);
    expect(logged).not.toContain("dead-value");
    expect(logged).not.toContain("receiver-own-secret");
  });

  it("a receiver that never answers delays no write, and a full queue drops the oldest events with a count", async () => {
    const receiver = await startReceiver(() => {
      // hold every request open: the receiver hangs
    });
    const { server, set, warnings } = await setup(receiver, { maxQueue: 2, timeoutMs: 60_000 });
    expect((await set("SLOW", "s-1")).status).toBe(201);
    await until("the first delivery to hang in the receiver", () => receiver.deliveries.length === 1);
    // The receiver holds event 1; these writes complete while it does.
    for (let i = 2; i <= 5; i++) expect((await set("SLOW", `s-${i}`)).status).toBe(200);
    expect(receiver.deliveries).toHaveLength(1);
    expect(server.webhook?.stats()).toMatchObject({ queued: 2, dropped: 2, delivered: 0 });
    expect(warnings).toContainEqual(
      expect.objectContaining({ message: "change event queue full: dropped the oldest events", dropped: 1 }),
    );
    // Stopping gives up on the rest (after drainMs) and says how many were lost.
    await server.stop();
    // the two still queued and the one the receiver held
    expect(server.webhook?.stats()).toMatchObject({ dropped: 5, queued: 0 });
    expect(warnings.at(-2)).toMatchObject({
      message: "change event queue full: dropped the oldest events",
      dropped: 1,
    });
    expect(warnings.at(-1)).toMatchObject({
      message: "change events dropped: the server stopped before they were delivered",
      dropped: 3,
      droppedTotal: 5,
    });
  });

  it("keeps the signing secret across restarts and refuses one others can read; rejects a bad URL", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ss-hook-"));
    dirs.push(dataDir);
    const quiet = { log: () => undefined, say: () => undefined, host: "127.0.0.1", port: 0, dataDir };
    const webhook = { url: "http://127.0.0.1:9/hook", log: () => undefined };
    const first = await startLocalServer({ ...quiet, webhook });
    const secret = readFileSync(join(dataDir, "webhook-secret"), "utf8");
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}\n$/);
    await first.close();
    const second = await startLocalServer({ ...quiet, webhook });
    expect(readFileSync(join(dataDir, "webhook-secret"), "utf8")).toBe(secret);
    await second.close();

    chmodSync(join(dataDir, "webhook-secret"), 0o644);
    await expect(startLocalServer({ ...quiet, webhook })).rejects.toThrow(StartupError);
    await expect(startLocalServer({ ...quiet, webhook })).rejects.toThrow(/chmod 600/);
    await expect(startLocalServer({ ...quiet, webhook: { url: "ftp://example/x" } })).rejects.toThrow(
      /http or https/,
    );
    await expect(startLocalServer({ ...quiet, webhook: { url: "not a url" } })).rejects.toThrow(/not a URL/);
  });
});
