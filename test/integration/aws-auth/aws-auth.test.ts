import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsIam, SecretsClient, SecretsError } from "../../../client/index.ts";
import type { RequestLog } from "../../../lambdas/api/context.ts";
import { LOGIN_REFUSED } from "../../../lambdas/core/aws-auth-service.ts";
import { type LocalServer, startLocalServer } from "../../../local/server.ts";
import {
  type MotoSts,
  type RecordingServer,
  startMotoSts,
  startRecordingServer,
} from "../../support/moto-sts.ts";
import { signedLoginBody } from "./signing.ts";

// The local server over real HTTP, verifying logins with moto's STS. moto does not check signatures
// (STS does in the cloud); everything else on the way is ours and tested here.

const SERVER_ID = "test-deployment-1";
const ACCOUNT = "111122223333";
const AGENT_ROLE = `arn:aws:iam::${ACCOUNT}:role/team/agents/billing-agent`;
const SPACE_ROLE = `arn:aws:iam::${ACCOUNT}:role/space-agent`;
const UNBOUND_ROLE = `arn:aws:iam::${ACCOUNT}:role/nobody`;

let moto: MotoSts;
let decoy: RecordingServer;
let server: LocalServer;
let admin: string;
let dataDir: string;
const logs: RequestLog[] = [];

async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returns.
  const body: any = await res.json().catch(() => undefined);
  return { status: res.status, body, headers: res.headers };
}

const login = (body: Record<string, unknown>) => call("POST", "/v1/auth/aws", { body });
const creds = (role: string, session = "sess-1") => moto.assumeRole(role, session);
const bind = (body: Record<string, unknown>) => call("POST", "/v1/aws-identities", { token: admin, body });

beforeAll(async () => {
  [moto, decoy] = await Promise.all([startMotoSts(), startRecordingServer()]);
  dataDir = mkdtempSync(join(tmpdir(), "ss-awsauth-"));
  server = await startLocalServer({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    serverId: SERVER_ID,
    stsEndpoint: moto.url,
    log: (l) => logs.push(l),
    say: () => undefined,
  });
  admin = server.firstAdminToken ?? "";
  for (const id of ["aws_env", "other_env"])
    expect((await call("POST", "/v1/environments", { token: admin, body: { name: id, id } })).status).toBe(
      201,
    );
  for (const [id, env] of [
    ["aws_space", "aws_env"],
    ["sibling_space", "aws_env"],
  ] as const)
    expect(
      (await call("POST", "/v1/spaces", { token: admin, body: { environmentId: env, name: id, id } })).status,
    ).toBe(201);
  const set = (name: string, value: string, environmentId: string, spaceId?: string) =>
    call("POST", "/v1/secrets", { token: admin, body: { name, value, environmentId, spaceId } });
  await set("SLACK_TOKEN", "xoxb-env-value", "aws_env");
  await set("SLACK_TOKEN", "xoxb-space-value", "aws_env", "aws_space");
  await set("SIBLING_ONLY", "sibling-value", "aws_env", "sibling_space");
  await set("OTHER", "other-env-value", "other_env");
  expect(
    (await bind({ name: "billing", principalArn: AGENT_ROLE, role: "agent", environmentId: "aws_env" }))
      .status,
  ).toBe(201);
  expect(
    (
      await bind({
        name: "space agent",
        principalArn: SPACE_ROLE,
        role: "agent",
        environmentId: "aws_env",
        spaceId: "aws_space",
        tokenTtlSeconds: 600,
      })
    ).status,
  ).toBe(201);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await Promise.all([moto?.stop(), decoy?.stop()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("identity bindings", () => {
  it("validates role ARNs strictly and binds each role once", async () => {
    for (const principalArn of [
      "arn:aws:iam::12345678901:role/short-account",
      "arn:aws:iam::123456789012:user/alice",
      "arn:aws:sts::123456789012:assumed-role/r/s",
      "arn:aws:iam::123456789012:role/",
      "arn:aws:iam::123456789012:role/bad name",
      "arn:aws-cn:iam::123456789012:role/x",
      `arn:aws:iam::123456789012:role/${"n".repeat(65)}`,
      "arn:aws:iam::123456789012:role/path//double",
    ]) {
      const res = await bind({ name: "x", principalArn, role: "agent", environmentId: "aws_env" });
      expect(res.status, principalArn).toBe(400);
      expect(res.body.errors[0].key).toBe("principalArn");
    }
    expect(
      (await bind({ name: "x", principalArn: UNBOUND_ROLE, role: "admin", environmentId: "aws_env" })).status,
    ).toBe(400);
    expect(
      (await bind({ name: "x", principalArn: UNBOUND_ROLE, role: "agent", environmentId: "nope" })).status,
    ).toBe(404);
    expect(
      (
        await bind({
          name: "x",
          principalArn: UNBOUND_ROLE,
          role: "agent",
          environmentId: "other_env",
          spaceId: "aws_space",
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await bind({
          name: "x",
          principalArn: UNBOUND_ROLE,
          role: "agent",
          environmentId: "aws_env",
          tokenTtlSeconds: 7200,
        })
      ).status,
    ).toBe(400);
    // The same role under another path is the same role: IAM role names are unique per account.
    const again = await bind({
      name: "dup",
      principalArn: `arn:aws:iam::${ACCOUNT}:role/billing-agent`,
      role: "operator",
      environmentId: "other_env",
    });
    expect(again.status).toBe(409);
  });

  it("is admin only, listed without internals, and audited", async () => {
    const { body } = await call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "op", role: "operator", environmentId: "aws_env" },
    });
    const operator = body.data.token as string;
    expect((await call("GET", "/v1/aws-identities", { token: operator })).status).toBe(403);
    expect(
      (
        await call("POST", "/v1/aws-identities", {
          token: operator,
          body: { name: "x", principalArn: UNBOUND_ROLE, role: "agent", environmentId: "aws_env" },
        })
      ).status,
    ).toBe(403);
    expect((await call("GET", "/v1/aws-identities")).status).toBe(401);
    const list = await call("GET", "/v1/aws-identities", { token: admin });
    expect(list.status).toBe(200);
    const billing = list.body.data.find((b: { name: string }) => b.name === "billing");
    expect(billing).toMatchObject({
      principalArn: AGENT_ROLE,
      canonicalArn: `arn:aws:iam::${ACCOUNT}:role/billing-agent`,
      role: "agent",
      environmentId: "aws_env",
      spaceId: null,
      tokenTtlSeconds: 900,
    });
    expect(billing).not.toHaveProperty("environmentCreatedAt");
    const audit = await call("GET", "/v1/audit?environmentId=aws_env", { token: admin });
    expect(audit.body.data.map((e: { action: string }) => e.action)).toContain("aws-identity.create");
  });
});

describe("login", () => {
  it("an agent with assumed-role credentials reads its scope's secrets with no static token (SDK)", async () => {
    const c = await creds(AGENT_ROLE, "lambda-session");
    const client = new SecretsClient({
      baseUrl: server.url,
      env: {},
      auth: awsIam({ serverId: SERVER_ID, stsEndpoint: moto.url, credentials: c, env: {} }),
    });
    expect((await client.get("SLACK_TOKEN", { environmentId: "aws_env" })).value).toBe("xoxb-env-value");
    expect((await client.get("SLACK_TOKEN", { environmentId: "aws_env", spaceId: "aws_space" })).value).toBe(
      "xoxb-space-value",
    );
    const me = await client.whoami();
    expect(me).toMatchObject({ role: "agent", environmentId: "aws_env", spaceId: null, name: "aws billing" });
    // Never beyond the binding's scope.
    await expect(client.get("OTHER", { environmentId: "other_env" })).rejects.toMatchObject({ status: 404 });
    await expect(client.set({ name: "X", value: "y", environmentId: "aws_env" })).rejects.toMatchObject({
      status: 403,
    });
    const logins = logs.filter((l) => l.route === "/v1/auth/aws" && l.status === 200).length;
    expect(logins).toBe(1);
    // The login is audited with the caller's session, and its token is listed (and revocable) like any other.
    const audit = await call("GET", "/v1/audit?environmentId=aws_env", { token: admin });
    const event = audit.body.data.find((e: { action: string }) => e.action === "aws.login");
    expect(event).toMatchObject({
      detail: "session lambda-session",
      actor: { name: `aws arn:aws:iam::${ACCOUNT}:role/billing-agent` },
    });
  });

  it("a space-bound login token never leaves its space, and lives as long as the binding says", async () => {
    const before = Date.now();
    const res = await login(
      await signedLoginBody({ credentials: await creds(SPACE_ROLE), stsUrl: moto.url, serverId: SERVER_ID }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { token, expiresAt, role, environmentId, spaceId } = res.body.data;
    expect({ role, environmentId, spaceId }).toEqual({
      role: "agent",
      environmentId: "aws_env",
      spaceId: "aws_space",
    });
    const life = Date.parse(expiresAt) - before;
    expect(life).toBeGreaterThan(590_000);
    expect(life).toBeLessThanOrEqual(601_000);
    const read = (q: string) => call("GET", `/v1/secrets?${q}`, { token });
    expect((await read("environmentId=aws_env&spaceId=aws_space&name=SLACK_TOKEN")).body.data[0].value).toBe(
      "xoxb-space-value",
    );
    expect((await read("environmentId=aws_env&spaceId=sibling_space&name=SIBLING_ONLY")).status).toBe(404);
    expect((await read("environmentId=aws_env&name=SLACK_TOKEN")).status).toBe(403);
    expect((await read("environmentId=other_env&name=OTHER")).status).toBe(404);
    // A shorter token may be asked for; a longer one is capped at the binding's lifetime.
    const short = await login(
      await signedLoginBody({
        credentials: await creds(SPACE_ROLE),
        stsUrl: moto.url,
        serverId: SERVER_ID,
        ttlSeconds: 120,
      }),
    );
    expect(Date.parse(short.body.data.expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
    const long = await login(
      await signedLoginBody({
        credentials: await creds(SPACE_ROLE),
        stsUrl: moto.url,
        serverId: SERVER_ID,
        ttlSeconds: 3600,
      }),
    );
    expect(Date.parse(long.body.data.expiresAt) - Date.now()).toBeLessThanOrEqual(600_000);
  });

  it("refuses an unbound role and an unverified signer with the same 401", async () => {
    const unbound = await login(
      await signedLoginBody({
        credentials: await creds(UNBOUND_ROLE),
        stsUrl: moto.url,
        serverId: SERVER_ID,
      }),
    );
    // moto answers an access key it never issued as an IAM user: the stand-in for a signature STS refuses.
    const unknownKey = await login(
      await signedLoginBody({
        credentials: { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x".repeat(40) },
        stsUrl: moto.url,
        serverId: SERVER_ID,
      }),
    );
    for (const res of [unbound, unknownKey]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ errors: [{ key: "", message: LOGIN_REFUSED }] });
    }
  });

  it("needs this server's id, signed: wrong, missing or unsigned is 401", async () => {
    const c = await creds(AGENT_ROLE);
    const cases = {
      wrong: await signedLoginBody({ credentials: c, stsUrl: moto.url, serverId: "another-deployment" }),
      missing: await signedLoginBody({ credentials: c, stsUrl: moto.url }),
      unsigned: await signedLoginBody({
        credentials: c,
        stsUrl: moto.url,
        serverId: SERVER_ID,
        serverIdUnsigned: true,
      }),
    };
    for (const [what, body] of Object.entries(cases)) {
      const res = await login(body);
      expect(res.status, what).toBe(401);
      expect(res.body.errors[0].message, what).toMatch(/X-Scoped-Secrets-Server-ID/);
    }
  });

  it("only ever sends the fixed body to the STS endpoint it chose, never to a host or URL from the request", async () => {
    const c = await creds(AGENT_ROLE);
    const attempts = [
      // Signed for the decoy's host.
      await signedLoginBody({ credentials: c, stsUrl: decoy.url, serverId: SERVER_ID }),
      // Signed for STS, but the URL names the decoy.
      await signedLoginBody({
        credentials: c,
        stsUrl: moto.url,
        serverId: SERVER_ID,
        requestUrl: `${decoy.url}/`,
      }),
      // A path or query on the URL.
      await signedLoginBody({
        credentials: c,
        stsUrl: moto.url,
        serverId: SERVER_ID,
        requestUrl: `${moto.url}/?Action=AssumeRole`,
      }),
      // Another action in the body.
      await signedLoginBody({
        credentials: c,
        stsUrl: moto.url,
        serverId: SERVER_ID,
        body: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::111122223333:role/admin&RoleSessionName=x",
      }),
      // A Host header swapped after signing.
      await signedLoginBody({
        credentials: c,
        stsUrl: moto.url,
        serverId: SERVER_ID,
        requestUrl: null,
        after: (h) => {
          h.host = decoy.host;
        },
      }),
      // An extra signed header we do not forward.
      await signedLoginBody({
        credentials: c,
        stsUrl: moto.url,
        serverId: SERVER_ID,
        after: (h) => {
          h.authorization = String(h.authorization).replace(
            "SignedHeaders=",
            "SignedHeaders=x-forwarded-host;",
          );
        },
      }),
    ];
    for (const body of attempts) expect((await login(body)).status).toBe(401);
    expect(decoy.requests).toEqual([]);
    // A login without iamRequestUrl (the SDKs' signed Host alone) works.
    expect(
      (
        await login(
          await signedLoginBody({ credentials: c, stsUrl: moto.url, serverId: SERVER_ID, requestUrl: null }),
        )
      ).status,
    ).toBe(200);
  });

  it("refuses a request signed more than 15 minutes ago, and bad input with 400", async () => {
    const c = await creds(AGENT_ROLE);
    const old = await signedLoginBody({
      credentials: c,
      stsUrl: moto.url,
      serverId: SERVER_ID,
      signingDate: new Date(Date.now() - 16 * 60_000),
    });
    expect((await login(old)).status).toBe(401);
    expect(
      (await login({ iamHttpRequestMethod: "POST", iamRequestHeaders: "%%%", iamRequestBody: "QQ==" }))
        .status,
    ).toBe(400);
    expect(
      (await login({ iamHttpRequestMethod: "POST", iamRequestHeaders: "W10=", iamRequestBody: "QQ==" }))
        .status,
    ).toBe(400);
    expect((await login({ iamHttpRequestMethod: "POST", iamRequestBody: "QQ==" })).status).toBe(400);
    expect((await login({ ...old, extra: 1 })).status).toBe(400);
  });

  it("a binding dies with its scope: a re-created environment of the same id is not its scope", async () => {
    await call("POST", "/v1/environments", { token: admin, body: { name: "doomed", id: "doomed_env" } });
    const role = `arn:aws:iam::${ACCOUNT}:role/doomed-agent`;
    expect(
      (await bind({ name: "doomed", principalArn: role, role: "agent", environmentId: "doomed_env" })).status,
    ).toBe(201);
    const body = async () =>
      signedLoginBody({ credentials: await creds(role), stsUrl: moto.url, serverId: SERVER_ID });
    expect((await login(await body())).status).toBe(200);
    expect((await call("DELETE", "/v1/environments/doomed_env", { token: admin })).status).toBe(200);
    expect((await login(await body())).body.errors[0].message).toBe(LOGIN_REFUSED);
    await call("POST", "/v1/environments", {
      token: admin,
      body: { name: "doomed again", id: "doomed_env" },
    });
    const res = await login(await body());
    expect(res.status).toBe(401);
    expect(res.body.errors[0].message).toBe(LOGIN_REFUSED);
  });
});

describe("revocation and expiry", () => {
  let token: string;
  let expiresAt: string;
  const role = `arn:aws:iam::${ACCOUNT}:role/short-lived`;

  it("a deleted binding refuses new logins; tokens already issued keep working until they expire", async () => {
    const created = await bind({
      name: "short",
      principalArn: role,
      role: "agent",
      environmentId: "aws_env",
      tokenTtlSeconds: 60,
    });
    const res = await login(
      await signedLoginBody({ credentials: await creds(role), stsUrl: moto.url, serverId: SERVER_ID }),
    );
    expect(res.status).toBe(200);
    ({ token, expiresAt } = res.body.data);
    expect(
      (await call("DELETE", `/v1/aws-identities/${created.body.data.id}`, { token: admin })).status,
    ).toBe(200);
    expect(
      (await call("DELETE", `/v1/aws-identities/${created.body.data.id}`, { token: admin })).status,
    ).toBe(404);
    const again = await login(
      await signedLoginBody({ credentials: await creds(role), stsUrl: moto.url, serverId: SERVER_ID }),
    );
    expect(again.status).toBe(401);
    expect(again.body.errors[0].message).toBe(LOGIN_REFUSED);
    // The documented window: at most the token's lifetime (here 60 s), unless an admin revokes it now.
    expect((await call("GET", "/v1/secrets?environmentId=aws_env&name=SLACK_TOKEN", { token })).status).toBe(
      200,
    );
    const audit = await call("GET", "/v1/audit?environmentId=aws_env", { token: admin });
    expect(audit.body.data.map((e: { action: string }) => e.action)).toContain("aws-identity.delete");
  });

  it("an admin can end a login token at once", async () => {
    const c = await creds(AGENT_ROLE);
    const res = await login(await signedLoginBody({ credentials: c, stsUrl: moto.url, serverId: SERVER_ID }));
    expect((await call("DELETE", `/v1/tokens/${res.body.data.tokenId}`, { token: admin })).status).toBe(200);
    expect((await call("GET", "/v1/whoami", { token: res.body.data.token })).status).toBe(401);
  });

  it("the token stops at its expiry, whatever was cached", async () => {
    const wait = Date.parse(expiresAt) - Date.now() + 500;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const res = await call("GET", "/v1/secrets?environmentId=aws_env&name=SLACK_TOKEN", { token });
    expect(res.status).toBe(401);
  }, 90_000);
});

describe("never persisted or logged", () => {
  it("keeps the server id in DATA_DIR only when none is configured, and logs no token", async () => {
    expect(() => readFileSync(join(dataDir, "server-id"))).toThrow();
    const text = JSON.stringify(logs);
    expect(text).not.toMatch(/sst_[A-Za-z0-9_-]{20}/);
    expect(text).not.toMatch(/AWS4-HMAC-SHA256|ASIA[A-Z0-9]{12}/);
  });
});

describe("when STS refuses or is down", () => {
  let refusing: RecordingServer;
  let other: LocalServer;
  let otherDir: string;

  beforeAll(async () => {
    refusing = await startRecordingServer(
      403,
      "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>",
    );
    otherDir = mkdtempSync(join(tmpdir(), "ss-awsauth2-"));
    other = await startLocalServer({
      port: 0,
      host: "127.0.0.1",
      dataDir: otherDir,
      stsEndpoint: refusing.url,
      log: () => undefined,
      say: () => undefined,
    });
  }, 30_000);
  afterAll(async () => {
    await other?.close();
    await refusing?.stop();
    if (otherDir) rmSync(otherDir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    fetch(`${other.url}/v1/auth/aws`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("a signature STS rejects gets the same refusal; the local server's id is made once and kept", async () => {
    const serverId = readFileSync(join(otherDir, "server-id"), "utf8").trim();
    expect(serverId).toMatch(/^local-[0-9a-f]{24}$/);
    const c = { accessKeyId: "ASIAEXAMPLEEXAMPLE00", secretAccessKey: "s".repeat(40), sessionToken: "t" };
    const res = await post(await signedLoginBody({ credentials: c, stsUrl: refusing.url, serverId }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [{ key: "", message: LOGIN_REFUSED }] });
    // What reached "STS": the signed headers and the fixed body, with the Host it chose.
    const seen = refusing.requests.at(-1);
    expect(seen?.url).toBe("/");
    expect(seen?.headers.host).toBe(refusing.host);
    expect(seen?.headers["x-scoped-secrets-server-id"]).toBe(serverId);
    expect(seen?.headers["x-amz-security-token"]).toBe("t");
  });

  it("an SDK login that fails says why, as a SecretsError", async () => {
    const client = new SecretsClient({
      baseUrl: other.url,
      env: {},
      retries: 0,
      auth: awsIam({
        serverId: "x",
        stsEndpoint: refusing.url,
        credentials: { accessKeyId: "AKIAEXAMPLEEXAMPLE00", secretAccessKey: "s" },
        env: {},
      }),
    });
    const error = await client.get("A", { environmentId: "e" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect(error).toMatchObject({ status: expect.any(Number) });
    expect((error as SecretsError).message).toMatch(/^AWS login failed: /);
  });
  it("throttles login attempts per client address with 429 and Retry-After", async () => {
    let last: Response | undefined;
    for (let i = 0; i < 40; i++) {
      last = await post({ iamHttpRequestMethod: "GET", iamRequestHeaders: "e30=", iamRequestBody: "QQ==" });
      if (last.status === 429) break;
    }
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
