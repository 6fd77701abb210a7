import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../lambdas/api/app.ts";
import { bearerToken } from "../../lambdas/api/bearer.ts";
import type { App } from "../../lambdas/api/context.ts";
import { createServices } from "../../lambdas/api/services.ts";
import { TokenService } from "../../lambdas/core/token-service.ts";
import { DataKeyCache } from "../../lambdas/crypto/data-key-cache.ts";
import { EnvelopeCipher } from "../../lambdas/crypto/envelope-cipher.ts";
import { createDynamoStore } from "../../lambdas/store/dynamo-store.ts";
import { localTarget, type SecurityTarget } from "./support/target.ts";
import { createSecret, createToken, secretValue } from "./support/world.ts";

let t: SecurityTarget;
beforeAll(async () => {
  t = await localTarget("concurrency-round2");
});
afterAll(async () => {
  t?.tally.print();
  await t?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("security: deleting a scope while writes race it", () => {
  it("writes racing a space deletion leave nothing a re-created space can see", async () => {
    const admin = t.adminToken;
    await t.call("POST", "/v1/environments", { token: admin, body: { id: "race", name: "race" } });
    await t.call("POST", "/v1/spaces", {
      token: admin,
      body: { environmentId: "race", id: "race_s", name: "s" },
    });
    await createSecret(t.call, admin, { environmentId: "race" }, "INHERITED", "env value");
    let deleted = false;
    const statuses: Record<number, number> = {};
    const oldIds = new Set<string>();
    const writer = async (w: number) => {
      for (let k = 0; !deleted || k % 5 !== 0; k++) {
        const res = await t.call("POST", "/v1/secrets", {
          token: admin,
          body: {
            environmentId: "race",
            spaceId: "race_s",
            name: `W${w}_${k}`,
            value: secretValue(`old-${w}-${k}`),
          },
        });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status < 300) {
          oldIds.add(res.body.data.id);
          // Remove it again so the space is empty now and then and the deletion can go through.
          await t.call("DELETE", `/v1/secrets/${res.body.data.id}`, { token: admin });
        }
        if (k > 400) break;
      }
    };
    const deleter = async () => {
      for (let i = 0; i < 2000 && !deleted; i++) {
        const res = await t.call("DELETE", "/v1/spaces/race_s", { token: admin });
        if (res.status === 200) deleted = true;
        else expect(res.status).toBe(409);
      }
    };
    await Promise.all([writer(1), writer(2), writer(3), deleter()]);
    expect(deleted).toBe(true);
    // After the deletion writes are refused (the space is gone), never 5xx.
    expect(Object.keys(statuses).filter((s) => Number(s) >= 500)).toEqual([]);

    const again = await t.call("POST", "/v1/spaces", {
      token: admin,
      body: { environmentId: "race", id: "race_s", name: "again" },
    });
    expect(again.status).toBe(201);
    const list = await t.call("GET", "/v1/secrets?environmentId=race&spaceId=race_s", { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.data.map((s: { name: string }) => s.name)).toEqual(["INHERITED"]);
    for (const id of [...oldIds].slice(0, 20))
      expect((await t.call("GET", `/v1/secrets/${id}/versions`, { token: admin })).status).toBe(404);
    // Nothing of the earlier space is left in its partition at all.
    const { dynamo, table } =
      t.raw ??
      (() => {
        throw new Error("raw");
      })();
    const left = await dynamo.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": "SCOPE#race#race_s" },
        ConsistentRead: true,
      }),
    );
    expect(left.Items ?? []).toEqual([]);
  }, 120_000);
});

describe("security: a write that lands after its scope was deleted", () => {
  it("is removed when the scope is created again, and nothing the new scope writes is touched", async () => {
    const admin = t.adminToken;
    await t.call("POST", "/v1/environments", { token: admin, body: { id: "late", name: "late" } });
    await t.call("POST", "/v1/spaces", {
      token: admin,
      body: { environmentId: "late", id: "late_s", name: "s" },
    });
    const old = await createSecret(
      t.call,
      admin,
      { environmentId: "late", spaceId: "late_s" },
      "LATE",
      secretValue("late"),
    );
    const { dynamo, table } =
      t.raw ??
      (() => {
        throw new Error("raw");
      })();
    const items = async () =>
      (
        await dynamo.doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": "SCOPE#late#late_s" },
            ConsistentRead: true,
          }),
        )
      ).Items ?? [];
    const landedLate = await items();
    expect(landedLate.length).toBe(2);
    // The space is deleted (its overrides first), then the racing write's items land after the purge.
    await t.call("DELETE", `/v1/secrets/${old.id}`, { token: admin });
    expect((await t.call("DELETE", "/v1/spaces/late_s", { token: admin })).status).toBe(200);
    expect(await items()).toEqual([]);
    for (const Item of landedLate) await dynamo.doc.send(new PutCommand({ TableName: table, Item }));
    await sleep(5);
    expect(
      (
        await t.call("POST", "/v1/spaces", {
          token: admin,
          body: { environmentId: "late", id: "late_s", name: "again" },
        })
      ).status,
    ).toBe(201);
    expect(await items()).toEqual([]);
    expect((await t.call("GET", `/v1/secrets/${old.id}`, { token: admin })).status).toBe(404);
    const fresh = await createSecret(
      t.call,
      admin,
      { environmentId: "late", spaceId: "late_s" },
      "LATE",
      "new",
    );
    expect((await t.call("GET", `/v1/secrets/${fresh.id}`, { token: admin })).body.data.version).toBe(1);
  });
});

describe("security: a token created while its scope is being deleted", () => {
  it("is revoked by the creation's second check (the deletion's sweep missed it) and the creation answers 404", async () => {
    const local = t.local;
    if (!local) return;
    await t.call("POST", "/v1/environments", { token: t.adminToken, body: { id: "tokrace", name: "r" } });
    const store = createDynamoStore(local.dynamo.doc, local.dynamo.table);
    let id = "";
    // The environment is deleted right after the token item is written, before its sweep could see it.
    const racing = {
      ...store,
      putToken: async (record: Parameters<typeof store.putToken>[0], hash: string) => {
        id = record.id;
        await store.putToken(record, hash);
        await store.deleteEnvironment("tokrace");
      },
    };
    const service = new TokenService({ tokens: racing, scopes: store });
    await expect(
      service.create({ name: "late", role: "agent", environmentId: "tokrace", createdBy: "t" }),
    ).rejects.toMatchObject({ code: "not_found" });
    expect((await store.getTokenById(id))?.revokedAt).toBeDefined();
  });
});

describe("security: two app instances on one table (principal and known-scope caches)", () => {
  const TTL = 400;
  /** An instance as the entry points compose it, with short cache windows so the test can wait them out. */
  function instance(): App {
    const local = t.local;
    if (!local) throw new Error("needs the local server");
    const store = createDynamoStore(local.dynamo.doc, local.dynamo.table, { knownScopeTtlMs: TTL });
    const services = createServices(store, new EnvelopeCipher(local.keyring, new DataKeyCache()));
    services.tokens = new TokenService({ tokens: store, scopes: store, principalCache: { ttlMs: TTL } });
    return createApp({
      services,
      version: "test",
      principalOf: (c) => services.tokens.authenticate(bearerToken(c.req.header("authorization"))),
    });
  }
  const get = async (app: App, path: string, token: string) => {
    const res = await app.request(`http://127.0.0.1${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    return { status: res.status, text };
  };

  it("a deletion through one instance: the other answers within its cache window (never another scope's value), then 401", async () => {
    const admin = t.adminToken;
    await t.call("POST", "/v1/environments", { token: admin, body: { id: "two", name: "two" } });
    await t.call("POST", "/v1/spaces", {
      token: admin,
      body: { environmentId: "two", id: "two_s", name: "s" },
    });
    const envValue = await createSecret(
      t.call,
      admin,
      { environmentId: "two" },
      "SHARED",
      secretValue("env"),
    );
    const own = await createSecret(
      t.call,
      admin,
      { environmentId: "two", spaceId: "two_s" },
      "SHARED",
      secretValue("own"),
    );
    const agent = await createToken(t.call, admin, {
      label: "two agent",
      role: "agent",
      environmentId: "two",
      spaceId: "two_s",
    });
    const a = instance();
    const b = instance();
    const path = "/v1/secrets?environmentId=two&spaceId=two_s&name=SHARED";
    // Both instances warm: principal and scope cached.
    for (const app of [a, b]) expect((await get(app, path, agent.token)).text).toContain(own.value);

    const del = await a.request(`http://127.0.0.1/v1/secrets/${own.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(del.status).toBe(200);
    const gone = await a.request("http://127.0.0.1/v1/spaces/two_s", {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(gone.status).toBe(200);
    // The deleting instance refuses the space's token at once.
    expect((await get(a, path, agent.token)).status).toBe(401);
    // The other may still answer inside its window, only with what the token could read before (the
    // environment's value, now that the override is gone); never anything else.
    const inside = await get(b, path, agent.token);
    expect([200, 401, 404]).toContain(inside.status);
    expect(inside.text).not.toContain(own.value);
    if (inside.status === 200) expect(inside.text).toContain(envValue.value);
    await sleep(TTL + 100);
    expect((await get(b, path, agent.token)).status).toBe(401);

    // Re-created under the same id: neither instance lets the old token in, and it sees no old history.
    await t.call("POST", "/v1/spaces", {
      token: admin,
      body: { environmentId: "two", id: "two_s", name: "again" },
    });
    for (const app of [a, b]) expect((await get(app, path, agent.token)).status).toBe(401);
  });
});
