import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/local-server.ts";

/**
 * Token names on secret rows and versions: stored with each write, returned only to callers who may read
 * that scope's audit log (admins; operators in their scope), never to agents.
 */
let s: TestServer;
const ENV = "names_env";
const SPACE = "names_space";
const OTHER_ENV = "names_other";
const tokens: Record<string, string> = {};

async function token(name: string, body: Record<string, string>) {
  const res = await s.call("POST", "/v1/tokens", { token: s.adminToken, body: { name, ...body } });
  tokens[name] = res.body.data.token;
}
const set = (who: string, name: string, value: string, spaceId?: string) =>
  s.call("POST", "/v1/secrets", {
    token: tokens[who],
    body: { name, value, environmentId: ENV, ...(spaceId ? { spaceId } : {}) },
  });
const list = async (who: string, spaceId?: string) => {
  const q = spaceId ? `&spaceId=${spaceId}` : "";
  const res = await s.call("GET", `/v1/secrets?environmentId=${ENV}${q}&reveal=false`, {
    token: tokens[who],
  });
  return Object.fromEntries(
    (res.body.data as { name: string; updatedByName: string | null }[]).map((r) => [r.name, r.updatedByName]),
  );
};

beforeAll(async () => {
  s = await startTestServer();
  tokens.admin = s.adminToken;
  for (const id of [ENV, OTHER_ENV])
    await s.call("POST", "/v1/environments", { token: s.adminToken, body: { name: id, id } });
  await s.call("POST", "/v1/spaces", {
    token: s.adminToken,
    body: { environmentId: ENV, name: "s", id: SPACE },
  });
  await token("env operator", { role: "operator", environmentId: ENV });
  await token("space operator", { role: "operator", environmentId: ENV, spaceId: SPACE });
  await token("env agent", { role: "agent", environmentId: ENV });
  await token("other operator", { role: "operator", environmentId: OTHER_ENV });
});
afterAll(() => s?.stop());

describe("writer names", () => {
  it("stores the writing token's name on each version and marks rollbacks", async () => {
    const first = await set("admin", "API_KEY", "one");
    expect(first.body.data).toMatchObject({ version: 1, updatedByName: "bootstrap admin" });
    await set("env operator", "API_KEY", "two");
    const id = first.body.data.id;
    const rolled = await s.call("POST", `/v1/secrets/${id}/rollback`, {
      token: tokens["env operator"],
      body: { version: 1 },
    });
    expect(rolled.body.data).toMatchObject({ version: 3, updatedByName: "env operator" });
    expect(rolled.body.data.value).toBeUndefined();
    await s.call("DELETE", `/v1/secrets/${id}`, { token: s.adminToken });
    await set("env operator", "API_KEY", "four");

    const versions = await s.call("GET", `/v1/secrets/${id}/versions`, { token: tokens["env operator"] });
    expect(versions.body.data).toEqual([
      {
        version: 5,
        kind: "value",
        createdAt: expect.any(String),
        createdBy: expect.stringMatching(/^tok_/),
        createdByName: "env operator",
        rollbackOf: null,
      },
      {
        version: 4,
        kind: "tombstone",
        createdAt: expect.any(String),
        createdBy: expect.stringMatching(/^tok_/),
        createdByName: "bootstrap admin",
        rollbackOf: null,
      },
      {
        version: 3,
        kind: "value",
        createdAt: expect.any(String),
        createdBy: expect.stringMatching(/^tok_/),
        createdByName: "env operator",
        rollbackOf: 1,
      },
      {
        version: 2,
        kind: "value",
        createdAt: expect.any(String),
        createdBy: expect.stringMatching(/^tok_/),
        createdByName: "env operator",
        rollbackOf: null,
      },
      {
        version: 1,
        kind: "value",
        createdAt: expect.any(String),
        createdBy: expect.stringMatching(/^tok_/),
        createdByName: "bootstrap admin",
        rollbackOf: null,
      },
    ]);
    expect(JSON.stringify(versions.body)).not.toMatch(/"one"|"two"|"four"/);
  });

  it("names go to admins and operators in scope; agents and space-bound tokens on inherited values get null", async () => {
    await set("space operator", "SPACE_ONLY", "mine", SPACE);
    expect(await list("admin", SPACE)).toEqual({ API_KEY: "env operator", SPACE_ONLY: "space operator" });
    expect(await list("env operator", SPACE)).toEqual({
      API_KEY: "env operator",
      SPACE_ONLY: "space operator",
    });
    // The space-bound operator reads only its own space's audit events, so it learns only its space's writers.
    expect(await list("space operator", SPACE)).toEqual({ API_KEY: null, SPACE_ONLY: "space operator" });
    expect(await list("env agent", SPACE)).toEqual({ API_KEY: null, SPACE_ONLY: null });
    const hot = await s.call("GET", `/v1/secrets?environmentId=${ENV}&name=API_KEY`, {
      token: tokens["env agent"],
    });
    expect(hot.body.data[0]).toMatchObject({ value: "four", updatedByName: null });

    // Outside its environment a token learns nothing, names included.
    const outside = await s.call("GET", `/v1/secrets?environmentId=${ENV}`, {
      token: tokens["other operator"],
    });
    expect(outside.status).toBe(404);
    expect(JSON.stringify(outside.body)).not.toContain("operator");
  });

  it("documents the fields in the OpenAPI document", async () => {
    const doc = (await s.call("GET", "/v1/openapi.json")).body;
    const version = doc.components.schemas.SecretVersion.properties;
    expect(Object.keys(version)).toEqual(expect.arrayContaining(["createdByName", "rollbackOf"]));
    expect(doc.components.schemas.Secret.properties.updatedByName.description).toContain("audit log");
    expect(doc.components.schemas.SetSecret.properties.actorId.description).toContain("@flatfile/api");
  });
});
