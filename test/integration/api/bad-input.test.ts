import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/local-server.ts";

/** Bad input gets a clear 4xx JSON error, never a 5xx, and writes nothing. */
describe("HTTP API: bad input", () => {
  let s: TestServer;
  let admin: string;

  beforeAll(async () => {
    s = await startTestServer();
    admin = s.adminToken;
    await s.call("POST", "/v1/environments", { token: admin, body: { name: "B", id: "env_bad" } });
    await s.call("POST", "/v1/spaces", {
      token: admin,
      body: { name: "S", id: "sp_bad", environmentId: "env_bad" },
    });
  });
  afterAll(() => s?.stop());

  const secretsNow = async () =>
    (await s.call("GET", "/v1/secrets?environmentId=env_bad&spaceId=sp_bad", { token: admin })).body.data;

  const cases: Array<
    [
      string,
      string,
      string,
      { body?: unknown; headers?: Record<string, string>; token?: string | null },
      number,
      string,
    ]
  > = [
    ["malformed JSON", "POST", "/v1/secrets", { body: "{not json" }, 400, "body"],
    ["JSON array body", "POST", "/v1/secrets", { body: "[]" }, 400, "body"],
    ["JSON null body", "POST", "/v1/secrets", { body: "null" }, 400, "body"],
    [
      "wrong type for value",
      "POST",
      "/v1/secrets",
      { body: { name: "A", value: 5, environmentId: "env_bad" } },
      400,
      "value",
    ],
    [
      "unknown field",
      "POST",
      "/v1/secrets",
      { body: { name: "A", value: "v", environmentId: "env_bad", extra: 1 } },
      400,
      "extra",
    ],
    [
      "invalid name",
      "POST",
      "/v1/secrets",
      { body: { name: "9LIVES", value: "v", environmentId: "env_bad" } },
      400,
      "name",
    ],
    [
      "invalid environment id",
      "POST",
      "/v1/secrets",
      { body: { name: "A", value: "v", environmentId: "../env" } },
      400,
      "environmentId",
    ],
    [
      "empty value",
      "POST",
      "/v1/secrets",
      { body: { name: "A", value: "", environmentId: "env_bad" } },
      400,
      "value",
    ],
    [
      "value over 64 KiB",
      "POST",
      "/v1/secrets",
      { body: { name: "A", value: "x".repeat(65_537), environmentId: "env_bad" } },
      400,
      "value",
    ],
    [
      "body over 128 KiB",
      "POST",
      "/v1/secrets",
      { body: { name: "A", value: "x".repeat(140_000), environmentId: "env_bad" } },
      413,
      "body",
    ],
    [
      "not JSON content type",
      "POST",
      "/v1/secrets",
      { body: "name=A", headers: { "content-type": "application/x-www-form-urlencoded" } },
      415,
      "Content-Type",
    ],
    [
      "negative expectedVersion",
      "POST",
      "/v1/secrets",
      { body: { name: "A", value: "v", environmentId: "env_bad", expectedVersion: -1 } },
      400,
      "expectedVersion",
    ],
    [
      "garbage If-Match",
      "POST",
      "/v1/secrets",
      { body: { name: "A", value: "v", environmentId: "env_bad" }, headers: { "if-match": "abc" } },
      400,
      "If-Match",
    ],
    ["missing environmentId on list", "GET", "/v1/secrets", {}, 400, "environmentId"],
    ["bad limit", "GET", "/v1/secrets?environmentId=env_bad&limit=0", {}, 400, "limit"],
    ["bad cursor", "GET", "/v1/secrets?environmentId=env_bad&cursor=%%%", {}, 400, "cursor"],
    ["bad name on hot path", "GET", "/v1/secrets?environmentId=env_bad&name=a-b", {}, 400, "name"],
    ["path trick in id", "GET", "/v1/secrets/..%2F..%2Ftokens", {}, 404, "secretId"],
    ["dot segments", "GET", "/v1/secrets/../tokens/../../v1/nothing", {}, 404, "path"],
    ["unknown route", "GET", "/v1/nothing-here", {}, 404, "path"],
    ["missing Authorization", "GET", "/v1/environments", { token: null }, 401, "Authorization"],
    [
      "garbage Authorization",
      "GET",
      "/v1/environments",
      { token: null, headers: { authorization: "Bearer garbage!!not-a-token" } },
      401,
      "Authorization",
    ],
    [
      "wrong scheme",
      "GET",
      "/v1/environments",
      { token: null, headers: { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` } },
      401,
      "Authorization",
    ],
    [
      "well-formed unknown token",
      "GET",
      "/v1/environments",
      { token: `sst_${"A".repeat(43)}` },
      401,
      "Authorization",
    ],
    [
      "rollback to version 0",
      "POST",
      "/v1/secrets/sec_missing/rollback",
      { body: { version: 0 } },
      400,
      "version",
    ],
    ["token with unknown role", "POST", "/v1/tokens", { body: { name: "t", role: "root" } }, 400, "role"],
    [
      "agent token without environment",
      "POST",
      "/v1/tokens",
      { body: { name: "t", role: "agent" } },
      400,
      "environmentId",
    ],
    [
      "token with bad expiresAt",
      "POST",
      "/v1/tokens",
      { body: { name: "t", role: "admin", expiresAt: "tomorrow" } },
      400,
      "expiresAt",
    ],
    [
      "environment id too long",
      "POST",
      "/v1/environments",
      { body: { name: "x", id: "e".repeat(65) } },
      400,
      "id",
    ],
    ["empty environment name", "POST", "/v1/environments", { body: { name: "  " } }, 400, "name"],
  ];

  it.each(cases)("%s", async (_title, method, path, opts, status, key) => {
    const before = await secretsNow();
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? admin : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${s.url}${path}`, { method, headers, body });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const json = (await res.json()) as { errors: Array<{ key: string; message: string }> };
    expect(json.errors.length).toBeGreaterThan(0);
    expect(json.errors.map((e) => e.key)).toContain(key);
    for (const e of json.errors) expect(e.message.length).toBeGreaterThan(10);
    expect(await secretsNow()).toEqual(before);
  });

  it("a GET with Content-Type: application/json and no body is fine (Flatfile's request shape)", async () => {
    const res = await fetch(`${s.url}/v1/secrets?environmentId=env_bad&actorId=us_acc_1`, {
      headers: {
        authorization: `Bearer ${admin}`,
        "content-type": "application/json",
        "x-disable-hooks": "true",
      },
    });
    expect(res.status).toBe(200);
  });

  it("no request in this file produced a 5xx", () => {
    expect(s.logs.filter((l) => l.status >= 500)).toEqual([]);
  });
});
