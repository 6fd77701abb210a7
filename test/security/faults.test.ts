import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../lambdas/api/app.ts";
import { bearerToken } from "../../lambdas/api/bearer.ts";
import type { App, RequestLog } from "../../lambdas/api/context.ts";
import { createServices } from "../../lambdas/api/services.ts";
import { EnvelopeCipher } from "../../lambdas/crypto/envelope-cipher.ts";
import { KmsKeyring } from "../../lambdas/crypto/kms-keyring.ts";
import { createDynamoStore } from "../../lambdas/store/dynamo-store.ts";
import { scopePk, secretSk, TOKEN_PREFIX } from "../../lambdas/store/keys.ts";
import { type Engine, startDynalite } from "../support/engines.ts";
import { conditionFailed, injectDynamoFaults, throttled } from "./support/dynamo-faults.ts";
import { awsError, fakeKms } from "./support/fake-kms.ts";
import { findInText } from "./support/leaks.ts";
import { Tally } from "./support/tally.ts";
import { secretValue } from "./support/world.ts";

// Each stands for detail an AWS error message may carry; none may reach a client.
const CANARY = "canary-aws-detail";

const KMS_FAULTS = {
  "KMS internal error": () => awsError("KMSInternalException", CANARY, "server"),
  "KMS timeout": () => awsError("DependencyTimeoutException", CANARY, "server"),
  "KMS unreachable": () =>
    Object.assign(new Error(`connect ECONNREFUSED ${CANARY}`), { code: "ECONNREFUSED" }),
  "KMS throttling": () => awsError("ThrottlingException", CANARY),
  "KMS access denied": () => awsError("AccessDeniedException", CANARY),
  "KMS key disabled": () => awsError("DisabledException", CANARY),
};

/**
 * Issue 9, part 3: the real app (createApp + createServices) over real dynalite and a KmsKeyring whose
 * KMSClient is mocked, with KMS and DynamoDB failing in the ways AWS fails. A failed dependency is a 503 with
 * Retry-After; a failed write leaves nothing behind; a failed read never answers with a value, least of all
 * one of another scope; throttling is retried by the SDK before it becomes a 503; a failed condition is a
 * 409 or 412 that says what to do.
 */
describe("security: KMS and DynamoDB faults", () => {
  const tally = new Tally("faults");
  let engine: Engine;
  let kms: ReturnType<typeof fakeKms>;
  let dynamo: ReturnType<typeof injectDynamoFaults>;
  let app: App;
  let admin: string;
  let agentA: string;
  const logs: RequestLog[] = [];
  const values = new Map<string, string>();

  async function request(method: string, path: string, token: string, body?: unknown, headers = {}) {
    const res = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    tally.saw(res.status);
    const text = await res.text();
    return {
      status: res.status,
      text,
      // biome-ignore lint/suspicious/noExplicitAny: JSON of whatever route answered.
      body: JSON.parse(text) as any,
      retryAfter: res.headers.get("retry-after"),
    };
  }

  /** A 503 that says when to retry, names no AWS detail and carries no value. */
  function expectUnavailable(res: Awaited<ReturnType<typeof request>>) {
    expect(res.status, res.text).toBe(503);
    expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(res.body.errors[0].message).toMatch(
      /unavailable|throttl|denied|disabled|could not be reached|timed out|internal error/i,
    );
    expect(res.text).not.toContain(CANARY);
    expect(tally.found(findInText(res.text, needles(), "503 body"))).toEqual([]);
  }

  const needles = () => [...values.entries()].map(([label, text]) => ({ label, text }));

  async function setSecret(token: string, scope: { environmentId: string; spaceId?: string }, name: string) {
    const value = secretValue(name);
    const res = await request("POST", "/v1/secrets", token, { name, value, ...scope });
    if (res.status === 200 || res.status === 201)
      values.set(`${scope.spaceId ?? scope.environmentId}.${name}`, value);
    return { res, value };
  }

  const store = () => createDynamoStore(engine.clients.doc, engine.table);

  beforeAll(async () => {
    engine = await startDynalite();
    kms = fakeKms();
    dynamo = injectDynamoFaults(engine.clients.raw);
    const services = createServices(
      store(),
      new EnvelopeCipher(new KmsKeyring(kms.client, "alias/scoped-secrets")),
    );
    app = createApp({
      services,
      version: "test",
      principalOf: (c) => services.tokens.authenticate(bearerToken(c.req.header("authorization"))),
      log: (line) => logs.push(line),
    });
    admin = (await services.tokens.create({ name: "admin", role: "admin", createdBy: "test" })).token;
    for (const env of ["env_a", "env_b"]) {
      await request("POST", "/v1/environments", admin, { id: env, name: env });
      await request("POST", "/v1/spaces", admin, { environmentId: env, id: `${env}_sp`, name: "space" });
      await setSecret(admin, { environmentId: env }, "API_KEY");
      await setSecret(admin, { environmentId: env, spaceId: `${env}_sp` }, "API_KEY");
    }
    agentA = (
      await services.tokens.create({
        name: "agent",
        role: "agent",
        environmentId: "env_a",
        createdBy: "test",
      })
    ).token;
  });

  beforeEach(() => {
    kms.heal();
    dynamo.heal();
  });

  afterAll(async () => {
    tally.print();
    kms?.restore();
    await engine?.stop();
  });

  describe.each(Object.entries(KMS_FAULTS))("%s", (_label, fault) => {
    it("on write: 503 with Retry-After, and nothing is written", async () => {
      const before = await store().getCurrent({ environmentId: "env_a" }, "API_KEY");
      kms.fail("GenerateDataKey", fault());
      const name = `NEVER_${Math.random().toString(36).slice(2, 8)}`;
      const value = secretValue("never");
      values.set(`unwritten ${name}`, value);
      expectUnavailable(await request("POST", "/v1/secrets", admin, { name, value, environmentId: "env_a" }));
      expectUnavailable(
        await request("POST", "/v1/secrets", admin, { name: "API_KEY", value, environmentId: "env_a" }),
      );
      kms.heal();
      expect(await store().getCurrent({ environmentId: "env_a" }, name)).toBeUndefined();
      expect((await store().listVersions({ environmentId: "env_a" }, name, {})).items).toEqual([]);
      const after = await store().getCurrent({ environmentId: "env_a" }, "API_KEY");
      expect(after?.version).toBe(before?.version);
      expect(after?.envelope).toEqual(before?.envelope);
    });

    it("on read: 503 with Retry-After for the hot path, the list and by id; no value in any answer", async () => {
      kms.fail("Decrypt", fault());
      expectUnavailable(
        await request("GET", "/v1/secrets?environmentId=env_a&spaceId=env_a_sp&name=API_KEY", agentA),
      );
      expectUnavailable(await request("GET", "/v1/secrets?environmentId=env_a", agentA));
      const id = (await store().getCurrent({ environmentId: "env_a" }, "API_KEY"))?.id;
      expectUnavailable(await request("GET", `/v1/secrets/${id}`, admin));
      // Without values, nothing needs KMS: operators' views and reveal=false keep working.
      const masked = await request("GET", "/v1/secrets?environmentId=env_a&reveal=false", admin);
      expect(masked.status).toBe(200);
    });
  });

  it("a KMS outage for one scope never yields another scope's value", async () => {
    kms.fail(
      "Decrypt",
      awsError("KMSInternalException", CANARY, "server"),
      (c) => c.environmentId === "env_a",
    );
    const failing = await request("GET", "/v1/secrets?environmentId=env_a&name=API_KEY", admin);
    expectUnavailable(failing);
    const other = await request("GET", "/v1/secrets?environmentId=env_b&name=API_KEY", admin);
    expect(other.body.data[0].value).toBe(values.get("env_b.API_KEY"));
  });

  it("an envelope moved to another scope does not decrypt there: the other scope's value is never served", async () => {
    const doc = engine.clients.doc;
    const key = (environmentId: string) => ({ pk: scopePk({ environmentId }), sk: secretSk("MOVED") });
    await setSecret(admin, { environmentId: "env_a" }, "MOVED");
    await setSecret(admin, { environmentId: "env_b" }, "MOVED");
    const foreign = (await doc.send(new GetCommand({ TableName: engine.table, Key: key("env_b") }))).Item;
    // Someone with write access to the table copies env_b's envelope over env_a's (same name, same version).
    await doc.send(
      new UpdateCommand({
        TableName: engine.table,
        Key: key("env_a"),
        UpdateExpression: "SET envelope = :e",
        ExpressionAttributeValues: { ":e": foreign?.envelope },
      }),
    );
    const one = await request("GET", "/v1/secrets?environmentId=env_a&name=MOVED", agentA);
    expect(one.status).not.toBe(200);
    expect(one.text).not.toContain(values.get("env_b.MOVED"));
    const list = await request("GET", "/v1/secrets?environmentId=env_a", agentA);
    expect(list.status).toBe(200);
    const row = list.body.data.find((x: { name: string }) => x.name === "MOVED");
    expect(row).toMatchObject({ error: { code: "integrity" } });
    expect(row.value).toBeUndefined();
    expect(list.text).not.toContain(values.get("env_b.MOVED"));
    expect(list.text).toContain(values.get("env_a.API_KEY"));
  });

  it("DynamoDB throttling is retried by the SDK: a short burst is invisible to the caller", async () => {
    const before = dynamo.attempts("BatchGetItemCommand");
    dynamo.fail(throttled, { commands: ["BatchGetItemCommand"], times: 2 });
    const res = await request("GET", "/v1/secrets?environmentId=env_a&name=API_KEY", agentA);
    expect(res.status).toBe(200);
    expect(res.body.data[0].value).toBe(values.get("env_a.API_KEY"));
    expect(dynamo.attempts("BatchGetItemCommand") - before).toBe(3);
  });

  it("DynamoDB throttling that outlasts the retries is a 503 with Retry-After; the write leaves nothing", async () => {
    // A set's first call is one consistent BatchGetItem (scope, current item, environment item).
    const before = dynamo.attempts("BatchGetItemCommand");
    // Token lookups still work, so the request reaches the secret path and fails there.
    dynamo.fail(throttled, { when: (input) => !JSON.stringify(input).includes(TOKEN_PREFIX) });
    const name = "THROTTLED_WRITE";
    const value = secretValue("throttled");
    values.set(`unwritten ${name}`, value);
    const write = await request("POST", "/v1/secrets", admin, { name, value, environmentId: "env_a" });
    expectUnavailable(write);
    expect(dynamo.attempts("BatchGetItemCommand") - before).toBeGreaterThan(1);
    expectUnavailable(await request("GET", "/v1/secrets?environmentId=env_a&name=API_KEY", agentA));
    dynamo.heal();
    expect(await store().getCurrent({ environmentId: "env_a" }, name)).toBeUndefined();
  });

  it("a token that cannot be checked because DynamoDB is throttling is a 503, not a 401", async () => {
    dynamo.fail(throttled, { when: (input) => JSON.stringify(input).includes(TOKEN_PREFIX) });
    expectUnavailable(await request("GET", "/v1/secrets?environmentId=env_a&name=API_KEY", agentA));
  });

  it("a write whose last step is throttled is a 503; the next write completes it and versions stay whole", async () => {
    const { res: created } = await setSecret(admin, { environmentId: "env_a" }, "HALF");
    expect(created.status).toBe(201);
    dynamo.fail(throttled, { commands: ["UpdateItemCommand"] });
    const half = await request("POST", "/v1/secrets", admin, {
      name: "HALF",
      value: secretValue("half"),
      environmentId: "env_a",
    });
    expectUnavailable(half);
    dynamo.heal();
    // The acknowledged value still reads back.
    const read = await request("GET", "/v1/secrets?environmentId=env_a&name=HALF", agentA);
    expect(read.body.data[0]).toMatchObject({ version: 1, value: values.get("env_a.HALF") });
    const { res: next, value } = await setSecret(admin, { environmentId: "env_a" }, "HALF");
    expect(next.status).toBe(200);
    expect(next.body.data.version).toBe(3);
    const versions = await request("GET", `/v1/secrets/${created.body.data.id}/versions`, admin);
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const final = await request("GET", "/v1/secrets?environmentId=env_a&name=HALF", agentA);
    expect(final.body.data[0].value).toBe(value);
  });

  describe("failed conditions are 409 or 412 with a message that says what to do", () => {
    it("expectedVersion, If-Match and create-only mismatches are 412", async () => {
      const { res } = await setSecret(admin, { environmentId: "env_a" }, "CAS");
      const id = res.body.data.id;
      const stale = await request("POST", "/v1/secrets", admin, {
        name: "CAS",
        value: "x",
        environmentId: "env_a",
        expectedVersion: 7,
      });
      expect(stale.status).toBe(412);
      expect(stale.body.errors[0]).toEqual({
        key: "expectedVersion",
        message:
          "secret CAS: expected version 7 but it is at version 1; read it again and retry with the current version",
      });
      const createOnly = await request("POST", "/v1/secrets", admin, {
        name: "CAS",
        value: "x",
        environmentId: "env_a",
        expectedVersion: 0,
      });
      expect(createOnly.status).toBe(412);
      const ifMatch = await request(
        "POST",
        "/v1/secrets",
        admin,
        { name: "CAS", value: "x", environmentId: "env_a" },
        {
          "if-match": '"4"',
        },
      );
      expect(ifMatch.status).toBe(412);
      const deleteStale = await request("DELETE", `/v1/secrets/${id}`, admin, undefined, { "if-match": "9" });
      expect(deleteStale.status).toBe(412);
      expect((await request("GET", `/v1/secrets/${id}`, admin)).body.data.version).toBe(1);
    });

    it("taken ids and non-empty scopes are 409", async () => {
      const env = await request("POST", "/v1/environments", admin, { id: "env_a", name: "again" });
      expect(env.status).toBe(409);
      expect(env.body.errors[0].message).toMatch(/already exists; choose another id/);
      const space = await request("POST", "/v1/spaces", admin, {
        environmentId: "env_b",
        id: "env_a_sp",
        name: "x",
      });
      expect(space.status).toBe(409);
      expect(space.body.errors[0].message).toMatch(/already exists; space ids are unique/);
      const full = await request("DELETE", "/v1/environments/env_a", admin);
      expect(full.status).toBe(409);
      expect(full.body.errors[0].message).toMatch(/still has spaces; delete them first/);
    });

    it("a version claim that keeps failing its condition ends in 409 with Retry-After, never a 5xx", async () => {
      const { res } = await setSecret(admin, { environmentId: "env_a" }, "STORM");
      dynamo.fail(conditionFailed, { commands: ["PutItemCommand"] });
      const stormy = await request("POST", "/v1/secrets", admin, {
        name: "STORM",
        value: secretValue("storm"),
        environmentId: "env_a",
      });
      dynamo.heal();
      expect(stormy.status).toBe(409);
      expect(stormy.retryAfter).toBe("1");
      expect(stormy.body.errors[0].message).toMatch(/being written by many writers at once; retry shortly/);
      expect((await request("GET", `/v1/secrets/${res.body.data.id}`, admin)).body.data.version).toBe(1);
    }, 30_000);
  });

  it("logged no value, and its only 5xx other than the deliberate 503s is the tampered read", () => {
    expect(tally.found(findInText(JSON.stringify(logs), needles(), "request log"))).toEqual([]);
    expect(kms.calls.GenerateDataKey).toBeGreaterThan(5);
    const unexpected = logs.filter((l) => l.status >= 500 && l.status !== 503);
    expect(unexpected.map((l) => `${l.method} ${l.route} ${l.status}`)).toEqual(["GET /v1/secrets 500"]);
  });
});
