import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_REFRESH_MS,
  type SecretsChangeEvent,
  SecretsClient,
  type SecretsError,
} from "../../client/index.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { setSecret } from "./helpers.ts";

/**
 * SecretsClient against the real local server's ETag / If-None-Match (304) on GET /v1/secrets: the
 * cache revalidates instead of re-reading, and watch() reports changed names, never values.
 */

let server: TestServer;
let agentToken: string;

beforeAll(async () => {
  server = await startTestServer();
  const admin = server.adminToken;
  await server.call("POST", "/v1/environments", { token: admin, body: { name: "w", id: "w_env" } });
  await server.call("POST", "/v1/spaces", {
    token: admin,
    body: { environmentId: "w_env", name: "s", id: "w_space" },
  });
  const tok = await server.call("POST", "/v1/tokens", {
    token: admin,
    body: { name: "agent", role: "agent", environmentId: "w_env" },
  });
  agentToken = tok.body.data.token;
});
afterAll(() => server?.stop());

const reads = () => server.logs.filter((l) => l.method === "GET" && l.route === "/v1/secrets");
const statuses = (from: number) =>
  reads()
    .slice(from)
    .map((l) => l.status);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `predicate` holds, polling every 20 ms (fails after `ms`). */
async function until(predicate: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(20);
  }
}

describe("get: a cache kept fresh with conditional requests", () => {
  it("serves from memory within the interval, then revalidates: 304 while unchanged, the new value once changed", async () => {
    await setSecret(server, "REVALIDATED", "first-value", "w_env");
    const client = new SecretsClient({ baseUrl: server.url, token: agentToken, cacheTtlMs: 1_000 });
    const scope = { environmentId: "w_env" };
    const start = reads().length;

    expect((await client.get("REVALIDATED", scope)).value).toBe("first-value");
    expect((await client.get("REVALIDATED", scope)).value).toBe("first-value");
    expect(statuses(start)).toEqual([200]);

    await sleep(1_050);
    expect((await client.get("REVALIDATED", scope)).value).toBe("first-value");
    expect(statuses(start)).toEqual([200, 304]);

    await setSecret(server, "REVALIDATED", "second-value", "w_env");
    await sleep(1_050);
    expect(await client.get("REVALIDATED", scope)).toMatchObject({ value: "second-value", version: 2 });
    expect(statuses(start)).toEqual([200, 304, 200]);
  });

  it("is on by default, at most 30 s", async () => {
    expect(DEFAULT_REFRESH_MS).toBeLessThanOrEqual(30_000);
    await setSecret(server, "DEFAULT_CACHED", "v", "w_env");
    const client = new SecretsClient({ baseUrl: server.url, token: agentToken });
    const start = reads().length;
    await client.get("DEFAULT_CACHED", { environmentId: "w_env" });
    await client.get("DEFAULT_CACHED", { environmentId: "w_env" });
    expect(statuses(start)).toEqual([200]);
  });

  it("sees a removed value (404) and a revoked token (401) on revalidation", async () => {
    const id = await setSecret(server, "GOING_AWAY", "v", "w_env");
    const tok = await server.call("POST", "/v1/tokens", {
      token: server.adminToken,
      body: { name: "short-lived", role: "agent", environmentId: "w_env" },
    });
    const client = new SecretsClient({ baseUrl: server.url, token: tok.body.data.token, cacheTtlMs: 100 });
    const scope = { environmentId: "w_env" };
    await client.get("GOING_AWAY", scope);
    await client.get("REVALIDATED", scope);
    await server.call("DELETE", `/v1/secrets/${id}`, { token: server.adminToken });
    await sleep(120);
    await expect(client.get("GOING_AWAY", scope)).rejects.toMatchObject({ status: 404 });

    await server.call("DELETE", `/v1/tokens/${tok.body.data.id}`, { token: server.adminToken });
    await sleep(120);
    await expect(client.get("REVALIDATED", scope)).rejects.toMatchObject({ status: 401 });
  });

  it("with staleIfError, serves the cached value marked stale when revalidation cannot reach the service", async () => {
    const own = await startTestServer();
    try {
      await own.call("POST", "/v1/environments", { token: own.adminToken, body: { name: "o", id: "o_env" } });
      await setSecret(own, "KEPT", "kept-value", "o_env");
      const options = { baseUrl: own.url, token: own.adminToken, cacheTtlMs: 50, retries: 0 };
      const stale = new SecretsClient({ ...options, staleIfError: true });
      const strict = new SecretsClient(options);
      await stale.get("KEPT", { environmentId: "o_env" });
      await strict.get("KEPT", { environmentId: "o_env" });
      await own.stop();
      await sleep(70);
      expect(await stale.get("KEPT", { environmentId: "o_env" })).toMatchObject({
        value: "kept-value",
        stale: true,
      });
      // Without staleIfError an expired entry is not served: the failure is reported.
      const e = await strict.get("KEPT", { environmentId: "o_env" }).catch((x: SecretsError) => x);
      expect(e).toMatchObject({ code: "network" });
    } finally {
      await own.stop().catch(() => undefined);
    }
  });
});

describe("watch", () => {
  it("reports added, changed, overridden, rolled back and removed names with versions, never values; 304s in between", async () => {
    const admin = new SecretsClient({ baseUrl: server.url, token: server.adminToken, cacheTtlMs: 0 });
    const client = new SecretsClient({ baseUrl: server.url, token: agentToken });
    await admin.set({ name: "WATCHED", value: "watched-v1", environmentId: "w_env" });
    const events: SecretsChangeEvent[] = [];
    const scope = { environmentId: "w_env", spaceId: "w_space" };
    const watch = client.watch(
      scope,
      (e) => {
        events.push(e);
      },
      { intervalMs: 50 },
    );
    await watch.ready;
    const start = reads().length;
    await until(() => statuses(start).length >= 3);
    // Nothing changed: every poll was answered with a 304.
    expect(new Set(statuses(start))).toEqual(new Set([304]));
    expect(events).toEqual([]);

    const step = async (write: () => Promise<unknown>) => {
      const n = events.length;
      await write();
      await until(() => events.length > n);
      return events[events.length - 1]?.changes;
    };
    expect(
      await step(() => admin.set({ name: "WATCHED", value: "watched-v2", environmentId: "w_env" })),
    ).toEqual([{ name: "WATCHED", kind: "changed", version: 2, previousVersion: 1, source: "environment" }]);
    expect(await step(() => admin.set({ name: "ADDED", value: "added-v1", environmentId: "w_env" }))).toEqual(
      [{ name: "ADDED", kind: "added", version: 1, source: "environment" }],
    );
    expect(
      await step(() =>
        admin.set({ name: "WATCHED", value: "space-v1", environmentId: "w_env", spaceId: "w_space" }),
      ),
    ).toEqual([{ name: "WATCHED", kind: "changed", version: 1, previousVersion: 2, source: "space" }]);
    // The override removed: the environment's version 2 shows again (a different secret, same name).
    expect(
      await step(() => admin.delete({ name: "WATCHED", environmentId: "w_env", spaceId: "w_space" })),
    ).toEqual([{ name: "WATCHED", kind: "changed", version: 2, previousVersion: 1, source: "environment" }]);
    expect(await step(() => admin.rollback({ name: "WATCHED", environmentId: "w_env" }, 1))).toEqual([
      { name: "WATCHED", kind: "changed", version: 3, previousVersion: 2, source: "environment" },
    ]);
    expect(await step(() => admin.delete({ name: "ADDED", environmentId: "w_env" }))).toEqual([
      { name: "ADDED", kind: "removed", previousVersion: 1 },
    ]);
    expect(events.every((e) => e.environmentId === "w_env" && e.spaceId === "w_space")).toBe(true);
    const text = JSON.stringify(events);
    for (const value of ["watched-v1", "watched-v2", "added-v1", "space-v1"])
      expect(text).not.toContain(value);

    watch.stop();
    const stoppedAt = reads().length;
    await sleep(150);
    expect(reads().length).toBe(stoppedAt);

    // Polls never ask for values: even an admin's watch (whose reads of values are audited) reveals none.
    const reveals = async () =>
      (await admin.audit({ environmentId: "w_env", limit: 1000 })).items.filter(
        (a) => a.action === "secret.reveal",
      ).length;
    await admin.get("WATCHED", { environmentId: "w_env" });
    const before = await reveals();
    expect(before).toBeGreaterThan(0);
    const adminWatch = admin.watch({ environmentId: "w_env" }, () => undefined, { intervalMs: 30 });
    await sleep(120);
    await admin.set({ name: "WATCHED", value: "watched-v4", environmentId: "w_env" });
    await sleep(120);
    adminWatch.stop();
    expect(await reveals()).toBe(before);
  });

  it("reports what differs from `initial` on its first poll, and drops changed names from get's cache", async () => {
    const admin = new SecretsClient({ baseUrl: server.url, token: server.adminToken, cacheTtlMs: 0 });
    await admin.set({ name: "INITIAL_A", value: "a1", environmentId: "w_env" });
    const client = new SecretsClient({ baseUrl: server.url, token: agentToken, cacheTtlMs: 60_000 });
    const scope = { environmentId: "w_env" };
    const known = await client.list(scope, { reveal: false });
    expect((await client.get("INITIAL_A", scope)).value).toBe("a1");
    await admin.set({ name: "INITIAL_A", value: "a2", environmentId: "w_env" });

    const events: SecretsChangeEvent[] = [];
    const watch = client.watch(scope, (e) => void events.push(e), { intervalMs: 60_000, initial: known });
    await watch.ready;
    watch.stop();
    expect(events.map((e) => e.changes)).toEqual([
      [{ name: "INITIAL_A", kind: "changed", version: 2, previousVersion: 1, source: "environment" }],
    ]);
    // The cache held a1 for a minute; the watch saw the change, so get asks again.
    expect((await client.get("INITIAL_A", scope)).value).toBe("a2");
  });

  it("keeps polling through failures, reporting each to onError", async () => {
    const errors: unknown[] = [];
    const client = new SecretsClient({ baseUrl: server.url, token: agentToken, retries: 0 });
    const watch = client.watch({ environmentId: "no_such_env" }, () => undefined, {
      intervalMs: 30,
      onError: (e) => errors.push(e),
    });
    await until(() => errors.length >= 2);
    watch.stop();
    expect(errors[0]).toMatchObject({ status: 404 });
    expect(watch.lastError).toMatchObject({ status: 404 });
  });
});
