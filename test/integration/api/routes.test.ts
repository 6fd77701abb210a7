import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTarget, TARGET_START_TIMEOUT_MS, TARGETS, type Target } from "../../support/targets.ts";

/**
 * Every v1 route over real HTTP (real encryption), against both targets: the local server (dynalite) and
 * the cloud path (the Lambda bundles behind the emulated HTTP API, DynamoDB Local, moto's KMS).
 */
describe.each(TARGETS)("HTTP API: every route ($name)", ({ name, skip }) => {
  if (skip) return void it.skip(skip, () => {});
  let s: Target;
  let admin: string;
  const covered = new Set<string>();
  const call: Target["call"] = async (method, path, opts) => {
    const res = await s.call(method, path, opts);
    covered.add(`${method} ${path.split("?")[0]}`);
    return res;
  };

  beforeAll(async () => {
    s = await startTarget(name);
    admin = s.adminToken;
  }, TARGET_START_TIMEOUT_MS);
  afterAll(() => s?.stop());

  it("whoami tells a token its own role and scope", async () => {
    const me = await call("GET", "/v1/whoami", { token: admin });
    expect(me.body.data).toEqual({
      tokenId: expect.stringMatching(/^tok_/),
      name: "bootstrap admin",
      role: "admin",
      environmentId: null,
      spaceId: null,
    });
    expect((await call("GET", "/v1/whoami")).status).toBe(401);
  });

  it("health and the OpenAPI document need no token", async () => {
    const health = await call("GET", "/v1/health");
    expect(health).toMatchObject({ status: 200, body: { ok: true, version: expect.any(String) } });
    const doc = await call("GET", "/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toContain("/v1/secrets/{secretId}/rollback");
    expect(doc.body.components.schemas.SetSecret.required).toEqual(
      expect.arrayContaining(["name", "value", "environmentId"]),
    );
  });

  it("the README walkthrough: inherit, override, read as agent, remove override", async () => {
    expect(
      (await call("POST", "/v1/environments", { token: admin, body: { name: "US", id: "us_env_123" } }))
        .status,
    ).toBe(201);
    expect(
      (
        await call("POST", "/v1/spaces", {
          token: admin,
          body: { environmentId: "us_env_123", name: "Acme", id: "us_spa_123" },
        })
      ).status,
    ).toBe(201);
    const set = await call("POST", "/v1/secrets", {
      token: admin,
      body: { name: "SLACK_TOKEN", value: "xoxb-environment", environmentId: "us_env_123" },
    });
    expect(set).toMatchObject({
      status: 201,
      body: { data: { name: "SLACK_TOKEN", version: 1, spaceId: null } },
    });
    expect(set.body.data.value).toBeUndefined();

    const inSpace = await call("GET", "/v1/secrets?environmentId=us_env_123&spaceId=us_spa_123", {
      token: admin,
    });
    expect(inSpace.body.data).toEqual([
      expect.objectContaining({
        name: "SLACK_TOKEN",
        value: "xoxb-environment",
        inherited: true,
        overridden: false,
      }),
    ]);

    const override = await call("POST", "/v1/secrets", {
      token: admin,
      body: { name: "SLACK_TOKEN", value: "xoxb-space", environmentId: "us_env_123", spaceId: "us_spa_123" },
    });
    expect(override).toMatchObject({
      status: 201,
      body: { data: { overridden: true, spaceId: "us_spa_123" } },
    });

    const agent = await call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "acme agent", role: "agent", environmentId: "us_env_123", spaceId: "us_spa_123" },
    });
    expect(agent.status).toBe(201);
    expect(agent.body.data.token).toMatch(/^sst_[A-Za-z0-9_-]{43}$/);
    expect(agent.headers.get("cache-control")).toBe("no-store");
    const read = await call(
      "GET",
      "/v1/secrets?environmentId=us_env_123&spaceId=us_spa_123&name=SLACK_TOKEN",
      { token: agent.body.data.token },
    );
    expect(read.body.data).toEqual([expect.objectContaining({ value: "xoxb-space", overridden: true })]);

    const removed = await call("DELETE", `/v1/secrets/${override.body.data.id}`, { token: admin });
    expect(removed).toMatchObject({ status: 200, body: { data: { deleted: true, version: 2 } } });
    const back = await call(
      "GET",
      "/v1/secrets?environmentId=us_env_123&spaceId=us_spa_123&name=SLACK_TOKEN",
      { token: agent.body.data.token },
    );
    expect(back.body.data[0]).toMatchObject({ value: "xoxb-environment", inherited: true });
  });

  it("environments: create with and without id, get, list, rename, 409 on duplicate and while not empty, delete", async () => {
    const created = await call("POST", "/v1/environments", { token: admin, body: { name: "Generated" } });
    expect(created.body.data.id).toMatch(/^env_[0-9a-z]{26}$/);
    const id = created.body.data.id as string;
    expect((await call("POST", "/v1/environments", { token: admin, body: { name: "Dup", id } })).status).toBe(
      409,
    );
    expect((await call("GET", `/v1/environments/${id}`, { token: admin })).body.data.name).toBe("Generated");
    const listed = await call("GET", "/v1/environments?limit=1", { token: admin });
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.cursor).toEqual(expect.any(String));
    const renamed = await call("PATCH", `/v1/environments/${id}`, {
      token: admin,
      body: { name: "Renamed" },
    });
    expect(renamed.body.data.name).toBe("Renamed");
    await call("POST", "/v1/spaces", {
      token: admin,
      body: { environmentId: id, name: "blocker", id: `${id}_sp` },
    });
    const blocked = await call("DELETE", `/v1/environments/${id}`, { token: admin });
    expect(blocked.status).toBe(409);
    expect(blocked.body.errors[0].message).toContain("spaces");
    expect((await call("DELETE", `/v1/spaces/${id}_sp`, { token: admin })).status).toBe(200);
    expect((await call("DELETE", `/v1/environments/${id}`, { token: admin })).status).toBe(200);
    expect((await call("GET", `/v1/environments/${id}`, { token: admin })).status).toBe(404);
  });

  it("spaces: list by environment, get, rename, 409 while it has overrides", async () => {
    await call("POST", "/v1/environments", { token: admin, body: { name: "Spaces", id: "env_spaces" } });
    const sp = await call("POST", "/v1/spaces", {
      token: admin,
      body: { environmentId: "env_spaces", name: "One" },
    });
    expect(sp.body.data.id).toMatch(/^sp_/);
    const list = await call("GET", "/v1/spaces?environmentId=env_spaces", { token: admin });
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([sp.body.data.id]);
    expect((await call("GET", `/v1/spaces/${sp.body.data.id}`, { token: admin })).body.data.name).toBe("One");
    expect(
      (await call("PATCH", `/v1/spaces/${sp.body.data.id}`, { token: admin, body: { name: "Two" } })).body
        .data.name,
    ).toBe("Two");
    await call("POST", "/v1/secrets", {
      token: admin,
      body: { name: "OVR", value: "v", environmentId: "env_spaces", spaceId: sp.body.data.id },
    });
    expect((await call("DELETE", `/v1/spaces/${sp.body.data.id}`, { token: admin })).status).toBe(409);
    expect((await call("GET", "/v1/spaces?environmentId=missing_env", { token: admin })).status).toBe(404);
  });

  it("secrets: get by id, versions, rollback, 412 on stale expectedVersion and If-Match, create-only", async () => {
    await call("POST", "/v1/environments", { token: admin, body: { name: "S", id: "env_secrets" } });
    const body = { name: "API_KEY", value: "first", environmentId: "env_secrets" };
    const one = await call("POST", "/v1/secrets", { token: admin, body: { ...body, expectedVersion: 0 } });
    expect(one.status).toBe(201);
    const dup = await call("POST", "/v1/secrets", { token: admin, body: { ...body, expectedVersion: 0 } });
    expect(dup.status).toBe(412);
    expect(dup.body.errors[0]).toMatchObject({
      key: "expectedVersion",
      message: expect.stringContaining("version 1"),
    });
    const two = await call("POST", "/v1/secrets", {
      token: admin,
      body: { ...body, value: "second", expectedVersion: 1 },
    });
    expect(two).toMatchObject({ status: 200, body: { data: { version: 2 } } });
    expect(
      (
        await call("POST", "/v1/secrets", {
          token: admin,
          body: { ...body, value: "stale", expectedVersion: 1 },
        })
      ).status,
    ).toBe(412);
    expect(
      (
        await call("POST", "/v1/secrets", {
          token: admin,
          body: { ...body, value: "stale" },
          headers: { "if-match": '"1"' },
        })
      ).status,
    ).toBe(412);
    expect(
      (
        await call("POST", "/v1/secrets", {
          token: admin,
          body: { ...body, value: "third" },
          headers: { "if-match": '"2"' },
        })
      ).status,
    ).toBe(200);

    const id = one.body.data.id as string;
    const got = await call("GET", `/v1/secrets/${id}`, { token: admin });
    expect(got.body.data).toMatchObject({ id, value: "third", version: 3 });
    const versions = await call("GET", `/v1/secrets/${id}/versions`, { token: admin });
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(JSON.stringify(versions.body)).not.toMatch(/first|second|third/);
    const rolled = await call("POST", `/v1/secrets/${id}/rollback`, { token: admin, body: { version: 1 } });
    expect(rolled.body.data).toMatchObject({ version: 4 });
    expect((await call("GET", `/v1/secrets/${id}`, { token: admin })).body.data.value).toBe("first");
    expect(
      (await call("DELETE", `/v1/secrets/${id}`, { token: admin, headers: { "if-match": "3" } })).status,
    ).toBe(412);
    expect(
      (await call("GET", "/v1/secrets?environmentId=env_secrets&name=NOPE", { token: admin })).status,
    ).toBe(404);
  });

  it("operators write but never read values; agents read but never write", async () => {
    await call("POST", "/v1/environments", { token: admin, body: { name: "R", id: "env_roles" } });
    const mk = async (role: string) =>
      (
        await call("POST", "/v1/tokens", {
          token: admin,
          body: { name: role, role, environmentId: "env_roles" },
        })
      ).body.data.token as string;
    const operator = await mk("operator");
    const agent = await mk("agent");
    const written = await call("POST", "/v1/secrets", {
      token: operator,
      body: { name: "OP_SET", value: "op-value", environmentId: "env_roles" },
    });
    expect(written.status).toBe(201);
    const opList = await call("GET", "/v1/secrets?environmentId=env_roles", { token: operator });
    expect(opList.status).toBe(200);
    expect(JSON.stringify(opList.body)).not.toContain("op-value");
    const opOne = await call("GET", `/v1/secrets/${written.body.data.id}`, { token: operator });
    expect(opOne.body.data.value).toBeUndefined();
    expect(
      (await call("GET", "/v1/secrets?environmentId=env_roles&name=OP_SET", { token: agent })).body.data[0]
        .value,
    ).toBe("op-value");
    const denied = await call("POST", "/v1/secrets", {
      token: agent,
      body: { name: "NO", value: "x", environmentId: "env_roles" },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.errors[0].message).toContain("agent token may not write secrets");
    expect((await call("GET", "/v1/secrets?environmentId=us_env_123", { token: agent })).status).toBe(404);
  });

  it("admin list without values (reveal=false) writes no reveal audit event", async () => {
    const before = await call("GET", "/v1/audit?environmentId=env_roles", { token: admin });
    const masked = await call("GET", "/v1/secrets?environmentId=env_roles&reveal=false", { token: admin });
    expect(masked.body.data[0].value).toBeUndefined();
    const after = await call("GET", "/v1/audit?environmentId=env_roles", { token: admin });
    expect(after.body.data.length).toBe(before.body.data.length);
    await call("GET", "/v1/secrets?environmentId=env_roles", { token: admin });
    const revealed = await call("GET", "/v1/audit?environmentId=env_roles&limit=1", { token: admin });
    expect(revealed.body.data[0]).toMatchObject({
      action: "secret.reveal",
      actor: { name: "bootstrap admin" },
    });
  });

  it("tokens: list without token strings, revoke → 401, expired → 401, lastUsedAt recorded", async () => {
    const made = await call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "temp", role: "agent", environmentId: "us_env_123" },
    });
    const token = made.body.data.token as string;
    expect(
      (await call("GET", "/v1/environments", { token })).body.data.map((e: { id: string }) => e.id),
    ).toEqual(["us_env_123"]);
    const listed = await call("GET", "/v1/tokens", { token: admin });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    const mine = listed.body.data.find((t: { id: string }) => t.id === made.body.data.id);
    expect(mine.lastUsedAt).toEqual(expect.any(String));
    expect(
      (await call("DELETE", `/v1/tokens/${made.body.data.id}`, { token: admin })).body.data.revokedAt,
    ).toEqual(expect.any(String));
    await s.afterRevoke();
    const after = await call("GET", "/v1/environments", { token });
    expect(after.status).toBe(401);
    expect(after.body.errors[0]).toMatchObject({ key: "Authorization" });
    const past = await call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "old", role: "admin", expiresAt: "2001-01-01T00:00:00Z" },
    });
    expect(past.status).toBe(400);
    const soon = await call("POST", "/v1/tokens", {
      token: admin,
      body: {
        name: "soon",
        role: "agent",
        environmentId: "us_env_123",
        expiresAt: new Date(Date.now() + 1500).toISOString(),
      },
    });
    expect((await call("GET", "/v1/environments", { token: soon.body.data.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await call("GET", "/v1/environments", { token: soon.body.data.token })).status).toBe(401);
  });

  it("audit pages newest first and never carries values or tokens", async () => {
    const first = await call("GET", "/v1/audit?environmentId=us_env_123&limit=2", { token: admin });
    expect(first.body.data).toHaveLength(2);
    const second = await call(
      "GET",
      `/v1/audit?environmentId=us_env_123&limit=2&cursor=${first.body.cursor}`,
      { token: admin },
    );
    expect(second.body.data[0].at <= first.body.data[1].at).toBe(true);
    const all = await call("GET", "/v1/audit?environmentId=us_env_123&limit=1000", { token: admin });
    const actions = all.body.data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "environment.create",
        "space.create",
        "secret.create",
        "secret.delete",
        "token.create",
        "token.revoke",
      ]),
    );
    expect(JSON.stringify(all.body)).not.toMatch(/xoxb-|sst_/);
    expect(all.body.data[0].requestId).toEqual(expect.any(String));
  });

  it("aws identities: bind (admin), list, delete; the login route answers without a token", async () => {
    await call("POST", "/v1/environments", { token: admin, body: { name: "aws", id: "aws_routes_env" } });
    const principalArn = "arn:aws:iam::123456789012:role/routes-agent";
    const bound = await call("POST", "/v1/aws-identities", {
      token: admin,
      body: { name: "routes", principalArn, role: "agent", environmentId: "aws_routes_env" },
    });
    expect(bound.status).toBe(201);
    const list = await call("GET", "/v1/aws-identities", { token: admin });
    expect(list.body.data.map((b: { principalArn: string }) => b.principalArn)).toContain(principalArn);
    expect((await call("DELETE", `/v1/aws-identities/${bound.body.data.id}`, { token: admin })).status).toBe(
      200,
    );
    // Signed logins are tested in test/integration/aws-auth; here: no token needed, bad input is a 400.
    expect((await call("POST", "/v1/auth/aws", { body: { iamHttpRequestMethod: "POST" } })).status).toBe(400);
  });

  it("covers every route in the app's route table", () => {
    const normalise = (p: string) =>
      p
        .replace(/\/v1\/environments\/[^/]+/, "/v1/environments/{environmentId}")
        .replace(/\/v1\/spaces\/[^/]+/, "/v1/spaces/{spaceId}")
        .replace(/\/v1\/secrets\/[^/]+/, "/v1/secrets/{secretId}")
        .replace(/\/v1\/tokens\/[^/]+/, "/v1/tokens/{tokenId}")
        .replace(/\/v1\/aws-identities\/[^/]+/, "/v1/aws-identities/{awsIdentityId}");
    const seen = new Set([...covered].map((k) => normalise(k)));
    const table = s.routes().map((r) => `${r.method} ${r.path}`);
    expect(table.filter((r) => !seen.has(r))).toEqual([]);
  });

  it("logs one line per request with route pattern, status, ms and token id, never a value or token", () => {
    const line = s.logs.find((l) => l.route === "/v1/secrets/{secretId}");
    expect(line).toMatchObject({ method: expect.any(String), status: expect.any(Number) });
    // The local server's request log carries ms and the token id; the cloud's access log has them (below).
    if (s.name === "local")
      expect(line).toMatchObject({ ms: expect.any(Number), tokenId: expect.stringMatching(/^tok_/) });
    else expect(s.logText()).toMatch(/"GET \/v1\/secrets\/\{secretId\}" \d{3} \d+ tok_/);
    expect(s.logText()).not.toMatch(/sst_|xoxb-|op-value/);
  });
});
