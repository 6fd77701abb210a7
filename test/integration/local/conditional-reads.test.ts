import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/local-server.ts";

/** ETag / If-None-Match on GET /v1/secrets, over real HTTP against the local server. */
describe("conditional reads of GET /v1/secrets", () => {
  let server: TestServer;
  let admin: string;
  let agent: string;
  let operator: string;
  const ENV = "env_etag";
  const SPACE = "sp_etag";
  const list = `/v1/secrets?environmentId=${ENV}&spaceId=${SPACE}`;
  const one = `${list}&name=API_KEY`;
  let dynamoCommands: Array<{ command: string; input: string }> = [];
  /** The secret reads among the commands (not token look-ups or audit writes). */
  const dataReads = () =>
    dynamoCommands
      .filter(
        (c) =>
          [
            "GetItemCommand",
            "BatchGetItemCommand",
            "QueryCommand",
            "GetCommand",
            "BatchGetCommand",
            "QueryCommand",
          ].includes(c.command) && !c.input.includes("TOKEN#"),
      )
      .map((c) => c.command);

  const get = (path: string, token: string, ifNoneMatch?: string) =>
    server.call("GET", path, { token, headers: ifNoneMatch ? { "if-none-match": ifNoneMatch } : {} });
  const tagOf = async (path: string, token: string) => {
    const res = await get(path, token);
    expect(res.status).toBe(200);
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
    return etag as string;
  };
  const set = async (name: string, value: string, spaceId?: string) => {
    const res = await server.call("POST", "/v1/secrets", {
      token: admin,
      body: { name, value, environmentId: ENV, ...(spaceId ? { spaceId } : {}) },
    });
    expect(res.status).toBeLessThan(300);
    return res.body.data as { id: string; version: number };
  };
  /** Tags of both the list and the one-name read, as the agent sees them. */
  const agentTags = async () => ({ list: await tagOf(list, agent), one: await tagOf(one, agent) });

  beforeAll(async () => {
    server = await startTestServer();
    admin = server.adminToken;
    await server.call("POST", "/v1/environments", { token: admin, body: { name: "E", id: ENV } });
    await server.call("POST", "/v1/spaces", {
      token: admin,
      body: { name: "S", id: SPACE, environmentId: ENV },
    });
    const token = async (role: string) =>
      (
        await server.call("POST", "/v1/tokens", {
          token: admin,
          body: { name: role, role, environmentId: ENV },
        })
      ).body.data.token as string;
    agent = await token("agent");
    operator = await token("operator");
    await set("API_KEY", "first-value");
    // Every DynamoDB command the server sends, to compare what a 304 costs with what a 200 costs.
    // The store sends through the lean client (lambdas/store/lean-dynamo.ts); anything it hands to the SDK
    // shows up in the raw client's middleware as well, the same way for a 200 and a 304.
    const lean = server.dynamo.lean;
    const leanSend = lean.send;
    lean.send = ((command: { constructor: { name: string }; input: unknown }) => {
      dynamoCommands.push({ command: command.constructor.name, input: JSON.stringify(command.input) });
      return (leanSend as (c: unknown) => Promise<unknown>)(command);
    }) as typeof lean.send;
    server.dynamo.raw.middlewareStack.add(
      (next, context) => (args) => {
        dynamoCommands.push({ command: String(context.commandName), input: JSON.stringify(args.input) });
        return next(args);
      },
      { step: "initialize", name: "countCommands" },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("sends an ETag and answers a matching If-None-Match with 304, no body, the same ETag and no-store", async () => {
    const first = await get(one, agent);
    expect(first.status).toBe(200);
    expect(first.body.data[0].value).toBe("first-value");
    const etag = first.headers.get("etag") as string;
    expect(etag).toBeTruthy();

    const res = await fetch(`${server.url}${one}`, {
      headers: { authorization: `Bearer ${agent}`, "if-none-match": etag },
    });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe("");
    expect(res.headers.get("etag")).toBe(etag);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toBeNull();

    const listTag = await tagOf(list, agent);
    expect(listTag).not.toBe(etag);
    expect((await get(list, agent, listTag)).status).toBe(304);
  });

  it("compares tags as RFC 9110 says: weak comparison, lists, * and junk", async () => {
    const etag = await tagOf(one, agent);
    const status = async (header: string) => (await get(one, agent, header)).status;
    expect(await status(`W/${etag}`)).toBe(304);
    expect(await status(`"nope", ${etag}`)).toBe(304);
    expect(await status(`"nope",W/${etag} , "other"`)).toBe(304);
    expect(await status("*")).toBe(304);
    expect(await status(`"nope"`)).toBe(200);
    expect(await status(etag.slice(1, -1))).toBe(200); // unquoted: not an entity tag
    expect(await status(`${etag.slice(0, -2)}"`)).toBe(200);
    expect(await status("W/")).toBe(200);
  });

  it("a 304 decrypts nothing, sends the same DynamoDB reads as the 200 and records no reveal", async () => {
    const tags = { one: await tagOf(one, admin), list: await tagOf(list, admin) };
    const reveals = async () =>
      (await server.call("GET", `/v1/audit?environmentId=${ENV}`, { token: admin })).body.data.filter(
        (e: { action: string }) => e.action === "secret.reveal",
      ).length;

    for (const [path, tag] of [
      [one, tags.one],
      [list, tags.list],
    ] as const) {
      // A cold data-key cache: any decryption would now need a keyring call.
      server.cache.clear();
      const keyringBefore = { ...server.keyring.stats };
      const cacheBefore = server.cache.stats();
      const revealsBefore = await reveals();
      dynamoCommands = [];
      expect((await get(path, admin, tag)).status).toBe(304);
      const readsFor304 = dataReads();
      expect(readsFor304.length).toBeGreaterThan(0);
      expect(server.keyring.stats).toEqual(keyringBefore);
      expect(server.cache.stats()).toMatchObject({ hits: cacheBefore.hits, misses: cacheBefore.misses });
      expect(await reveals()).toBe(revealsBefore);

      // The control: the full read sends the same reads, decrypts (a keyring call) and records a reveal.
      dynamoCommands = [];
      expect((await get(path, admin)).status).toBe(200);
      expect(dataReads()).toEqual(readsFor304);
      expect(server.keyring.stats.decrypt).toBeGreaterThan(keyringBefore.decrypt);
      expect(await reveals()).toBe(revealsBefore + 1);
    }
  });

  it("changes after every kind of change the caller would see", async () => {
    const seen = new Set<string>();
    /** The agent's tags after a change: each view that should change has a tag never seen before. */
    const changed = async (what: string, views: Array<"list" | "one">) => {
      const tags = await agentTags();
      for (const view of views) expect(seen.has(tags[view]), `${view} tag after ${what}`).toBe(false);
      for (const view of ["list", "one"] as const) seen.add(tags[view]);
      return tags;
    };
    let before = await changed("start", ["list", "one"]);
    const expectFull = async (tag: string, path: string) =>
      expect((await get(path, agent, tag)).status).toBe(200);

    // create (another name: only the list changes)
    const other = await set("OTHER", "o1");
    let after = await changed("create", ["list"]);
    expect(after.one).toBe(before.one);
    await expectFull(before.list, list);
    before = after;

    // update
    const updated = await set("API_KEY", "second-value");
    after = await changed("update", ["list", "one"]);
    await expectFull(before.one, one);
    before = after;

    // override added in the space
    const override = await set("API_KEY", "space-value", SPACE);
    after = await changed("override added", ["list", "one"]);
    expect((await get(one, agent)).body.data[0]).toMatchObject({ value: "space-value", overridden: true });
    before = after;

    // override removed: the environment's value shows through again (the same representation as before
    // the override, so the same tag as then, but not the override's tag)
    expect((await server.call("DELETE", `/v1/secrets/${override.id}`, { token: admin })).status).toBe(200);
    const removed = await agentTags();
    expect(removed.one).not.toBe(before.one);
    expect(removed.list).not.toBe(before.list);
    expect((await get(one, agent)).body.data[0]).toMatchObject({ value: "second-value", inherited: true });
    before = removed;

    // delete (of the environment value of another name)
    expect((await server.call("DELETE", `/v1/secrets/${other.id}`, { token: admin })).status).toBe(200);
    after = await changed("delete", ["list"]);
    before = after;

    // rollback to the first value
    const rolled = await server.call("POST", `/v1/secrets/${updated.id}/rollback`, {
      token: admin,
      body: { version: 1 },
    });
    expect(rolled.status).toBe(200);
    after = await changed("rollback", ["list", "one"]);
    await expectFull(before.one, one);
    expect((await get(one, agent, after.one)).status).toBe(304);
  });

  it("a tag follows what the caller sees: writer names and values are part of the view", async () => {
    const agentRead = await get(list, agent);
    const adminRead = await get(list, admin);
    // The admin also sees the writer's token name (agents never do): different bodies, different tags.
    expect(adminRead.body.data[0].updatedByName).toBe("bootstrap admin");
    expect(agentRead.body.data[0].updatedByName).toBeNull();
    expect({ ...adminRead.body.data[0], updatedByName: null }).toEqual(agentRead.body.data[0]);
    expect(adminRead.headers.get("etag")).not.toBe(agentRead.headers.get("etag"));
    expect((await get(list, agent, adminRead.headers.get("etag") as string)).status).toBe(200);
    expect((await get(list, agent, agentRead.headers.get("etag") as string)).status).toBe(304);

    const operatorRead = await get(list, operator);
    expect(operatorRead.body.data[0].value).toBeUndefined();
    const operatorTag = operatorRead.headers.get("etag") as string;
    expect(operatorTag).not.toBe(agentRead.headers.get("etag"));
    // The operator's tag never earns a 304 on a read with values, and vice versa.
    expect((await get(list, agent, operatorTag)).status).toBe(200);
    expect((await get(list, operator, agentRead.headers.get("etag") as string)).status).toBe(200);
    expect((await get(list, operator, operatorTag)).status).toBe(304);

    const hidden = await get(`${list}&reveal=false`, admin);
    expect(hidden.body).toEqual(operatorRead.body);
    expect(hidden.headers.get("etag")).toBe(operatorTag);
    expect((await get(`${list}&reveal=false`, admin, agentRead.headers.get("etag") as string)).status).toBe(
      200,
    );
  });

  it("the OpenAPI document describes If-None-Match, the ETag and the 304", async () => {
    const doc = (await server.call("GET", "/v1/openapi.json")).body;
    const op = doc.paths["/v1/secrets"].get;
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: "if-none-match", in: "header" }));
    expect(op.responses["200"].headers.ETag).toBeDefined();
    expect(op.responses["304"].headers.ETag).toBeDefined();
    expect(op.responses["304"].content).toBeUndefined();
  });

  it("does not answer 304 for errors: a missing name or scope is still 404", async () => {
    const res = await get(`/v1/secrets?environmentId=${ENV}&name=MISSING`, agent, "*");
    expect(res.status).toBe(404);
    expect(res.headers.get("etag")).toBeNull();
    expect((await get(`/v1/secrets?environmentId=env_other`, agent, "*")).status).toBe(404);
  });
});
