import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient, SecretsError } from "../../client/index.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { countRequests } from "./helpers.ts";

let server: TestServer;
let client: SecretsClient;

beforeAll(async () => {
  server = await startTestServer();
  client = new SecretsClient({ baseUrl: server.url, token: server.adminToken, cacheTtlMs: 0 });
  await client.environments.create({ name: "sdk", id: "sdk_env" });
  await client.spaces.create({ environmentId: "sdk_env", name: "space", id: "sdk_space" });
});
afterAll(() => server?.stop());

const caught = async (p: Promise<unknown>): Promise<SecretsError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof SecretsError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
};

describe("SecretsClient against the local server", () => {
  it("whoami returns the token's own role and scope", async () => {
    expect(await client.whoami()).toMatchObject({ role: "admin", environmentId: null, spaceId: null });
  });

  it("sets, gets (one request), lists, versions, rolls back and deletes", async () => {
    const first = await client.set({ name: "API_KEY", value: "v1-secret", environmentId: "sdk_env" });
    expect(first.created).toBe(true);
    const second = await client.set({ name: "API_KEY", value: "v2-secret", environmentId: "sdk_env" });
    expect(second).toMatchObject({ created: false, secret: { version: 2 } });
    await client.set({
      name: "API_KEY",
      value: "space-secret",
      environmentId: "sdk_env",
      spaceId: "sdk_space",
    });

    const before = countRequests(server, "GET", "/v1/secrets");
    const envValue = await client.get("API_KEY", { environmentId: "sdk_env" });
    expect(countRequests(server, "GET", "/v1/secrets") - before).toBe(1);
    expect(envValue).toMatchObject({ name: "API_KEY", value: "v2-secret", version: 2, spaceId: null });
    expect(envValue.stale).toBeUndefined();
    expect(await client.getValue("API_KEY", { environmentId: "sdk_env", spaceId: "sdk_space" })).toBe(
      "space-secret",
    );

    const listed = await client.list({ environmentId: "sdk_env", spaceId: "sdk_space" }, { reveal: false });
    expect(listed.map((s) => [s.name, s.value, s.overridden])).toEqual([["API_KEY", undefined, true]]);

    const versions = await client.versions({ name: "API_KEY", environmentId: "sdk_env" });
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    const rolled = await client.rollback({ name: "API_KEY", environmentId: "sdk_env" }, 1);
    expect(rolled.version).toBe(3);
    expect(await client.getValue("API_KEY", { environmentId: "sdk_env" })).toBe("v1-secret");

    await client.delete({ name: "API_KEY", environmentId: "sdk_env", spaceId: "sdk_space" });
    // The override is gone: the environment's value shows through in the space.
    expect(await client.getValue("API_KEY", { environmentId: "sdk_env", spaceId: "sdk_space" })).toBe(
      "v1-secret",
    );
  });

  it("refuses to act by name on a value the scope only inherits", async () => {
    await client.set({ name: "INHERITED_ONLY", value: "x", environmentId: "sdk_env" });
    const e = await caught(
      client.delete({ name: "INHERITED_ONLY", environmentId: "sdk_env", spaceId: "sdk_space" }),
    );
    expect(e.status).toBe(404);
    expect(e.message).toContain("inherits the value of environment sdk_env");
    expect(await client.getValue("INHERITED_ONLY", { environmentId: "sdk_env" })).toBe("x");
  });

  it("manages environments, spaces and tokens", async () => {
    const env = await client.environments.create({ name: "temp" });
    expect(env.id).toMatch(/^env_/);
    expect((await client.environments.list()).map((e) => e.id)).toContain(env.id);
    const space = await client.spaces.create({ environmentId: env.id, name: "s" });
    expect((await client.spaces.list(env.id)).map((s) => s.id)).toEqual([space.id]);
    const tok = await client.tokens.create({ name: "reader", role: "agent", environmentId: env.id });
    expect(tok.token).toMatch(/^sst_/);
    expect(JSON.stringify(await client.tokens.list())).not.toContain(tok.token);
    await client.tokens.revoke(tok.id);
    const revoked = await caught(
      new SecretsClient({ baseUrl: server.url, token: tok.token }).environments.list(),
    );
    expect(revoked.status).toBe(401);
    await client.spaces.delete(space.id);
    await client.environments.delete(env.id);
    expect((await client.environments.list()).map((e) => e.id)).not.toContain(env.id);
  });

  it("names the secret and the scope when a secret is missing", async () => {
    const e = await caught(client.get("NOT_THERE", { environmentId: "sdk_env", spaceId: "sdk_space" }));
    expect(e).toMatchObject({ status: 404, code: "not_found" });
    expect(e.message).toBe("secret NOT_THERE not found in space sdk_space of environment sdk_env");
    const scopeMissing = await caught(client.get("NOT_THERE", { environmentId: "nope_env" }));
    expect(scopeMissing.message).toContain("secret NOT_THERE not found in environment nope_env");
    expect(scopeMissing.message).toContain("environment nope_env not found");
  });

  it("reports a bad token with the server's message and no token in it", async () => {
    const bad = `sst_${"A".repeat(43)}`;
    const e = await caught(
      new SecretsClient({ baseUrl: server.url, token: bad }).get("X", { environmentId: "sdk_env" }),
    );
    expect(e).toMatchObject({ status: 401, code: "unauthorized" });
    expect(e.message).toContain("unknown, revoked or expired");
    expect(`${e.message}${JSON.stringify(e)}${e.stack}`).not.toContain(bad);
    const none = await caught(new SecretsClient({ baseUrl: server.url, env: {} }).environments.list());
    expect(none.message).toContain("no token was sent");
  });

  it("never puts a value in an error", async () => {
    const value = "do-not-leak-this-value";
    const e = await caught(
      client.set({ name: "BAD NAME", value, environmentId: "sdk_env" } as {
        name: string;
        value: string;
        environmentId: string;
      }),
    );
    expect(e.status).toBe(400);
    expect(`${e.message}${JSON.stringify(e.errors)}${e.stack}`).not.toContain(value);
  });

  it("says clearly when the server is down, after retrying", async () => {
    const down = new SecretsClient({
      baseUrl: "http://127.0.0.1:9",
      token: "sst_x",
      retries: 1,
      retryBaseMs: 1,
    });
    const e = await caught(down.get("X", { environmentId: "e" }));
    expect(e).toMatchObject({ status: 0, code: "network" });
    expect(e.unreachable).toBe(true);
    expect(e.message).toContain("could not reach scoped-secrets at http://127.0.0.1:9");
    expect(e.message).not.toContain("sst_x");
  });

  it("defaults to SCOPED_SECRETS_URL and SCOPED_SECRETS_TOKEN", async () => {
    const fromEnv = new SecretsClient({
      env: { SCOPED_SECRETS_URL: `${server.url}/`, SCOPED_SECRETS_TOKEN: server.adminToken },
    });
    expect((await fromEnv.environments.list()).map((e) => e.id)).toContain("sdk_env");
    expect(() => new SecretsClient({ env: {} })).toThrow(/SCOPED_SECRETS_URL/);
  });

  it("serves repeat reads from its cache within cacheTtlMs; 0 turns it off", async () => {
    await client.set({ name: "CACHED", value: "c1", environmentId: "sdk_env" });
    const cached = new SecretsClient({ baseUrl: server.url, token: server.adminToken, cacheTtlMs: 60_000 });
    const before = countRequests(server, "GET", "/v1/secrets");
    expect((await cached.get("CACHED", { environmentId: "sdk_env" })).value).toBe("c1");
    await client.set({ name: "CACHED", value: "c2", environmentId: "sdk_env" });
    expect((await cached.get("CACHED", { environmentId: "sdk_env" })).value).toBe("c1");
    expect(countRequests(server, "GET", "/v1/secrets") - before).toBe(1);
    // cacheTtlMs: 0: every read asks the service.
    expect((await client.get("CACHED", { environmentId: "sdk_env" })).value).toBe("c2");
    // The caching client's own writes are never hidden by its cache.
    await cached.set({ name: "CACHED", value: "c3", environmentId: "sdk_env" });
    expect((await cached.get("CACHED", { environmentId: "sdk_env" })).value).toBe("c3");
  });

  it("carries no server code (type-only imports)", async () => {
    const { build } = await import("esbuild");
    const out = await build({
      entryPoints: [new URL("../../client/index.ts", import.meta.url).pathname],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((i) => i.includes("client/sdk/secrets-client.ts"))).toBe(true);
    expect(inputs.filter((i) => i.includes("lambdas/") || i.includes("node_modules/"))).toEqual([]);
  });
});

describe("retries and timeouts (a stand-in server)", () => {
  let stub: Server;
  let url: string;
  const hits: string[] = [];
  let plan: number[] = [];

  beforeAll(async () => {
    stub = createServer((req, res) => {
      hits.push(req.method ?? "");
      const status = plan.shift() ?? 200;
      if (status === 0) return; // never answer
      res.writeHead(status, { "content-type": "application/json" });
      res.end(
        status === 200
          ? JSON.stringify({
              data: req.method === "GET" ? [{ name: "X", value: "ok" }] : { name: "X", version: 1 },
            })
          : JSON.stringify({
              errors: [{ key: "", message: "KMS is unavailable right now; retry after 1 s." }],
            }),
      );
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    stub.closeAllConnections();
    return new Promise<void>((r) => stub.close(() => r()));
  });

  const fast = () =>
    new SecretsClient({ baseUrl: url, token: "sst_t", retries: 2, retryBaseMs: 5, timeoutMs: 300 });

  it("retries a GET on 503 and 429, then succeeds", async () => {
    hits.length = 0;
    plan = [503, 429, 200];
    expect((await fast().get("X", { environmentId: "e" })).value).toBe("ok");
    expect(hits).toEqual(["GET", "GET", "GET"]);
  });

  it("gives up after the configured retries with the server's message", async () => {
    hits.length = 0;
    plan = [503, 503, 503, 200];
    const e = await caught(fast().get("X", { environmentId: "e" }));
    expect(e).toMatchObject({ status: 503, code: "unavailable" });
    expect(e.message).toBe("KMS is unavailable right now; retry after 1 s.");
    expect(hits).toHaveLength(3);
  });

  it("never retries a write", async () => {
    hits.length = 0;
    plan = [503, 200];
    const e = await caught(fast().set({ name: "X", value: "v", environmentId: "e" }));
    expect(e.status).toBe(503);
    expect(hits).toEqual(["POST"]);
    plan = [];
  });

  it("times out a request that never answers", async () => {
    hits.length = 0;
    plan = [0, 0];
    const slow = new SecretsClient({
      baseUrl: url,
      token: "sst_t",
      retries: 1,
      retryBaseMs: 1,
      timeoutMs: 150,
    });
    const e = await caught(slow.get("X", { environmentId: "e" }));
    expect(e).toMatchObject({ status: 0, code: "timeout" });
    expect(e.message).toContain("did not answer within 150 ms");
    expect(hits).toHaveLength(2);
  });
});
