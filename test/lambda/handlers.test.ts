import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KEYRING_APP } from "../../lambdas/crypto/encryption-context.ts";
import { LocalKeyring } from "../../lambdas/crypto/local-keyring.ts";
import type { AuthorizerResult } from "../../lambdas/handlers/authorizer.ts";
import { principalFromAuthorizer } from "../../lambdas/handlers/authorizer-context.ts";
import { bootstrapAdminToken } from "../../ops/bootstrap-run.ts";
import { type Engine, freePort, startDynalite } from "../support/engines.ts";
import { authorizerEvent, type HttpEventInput, httpEvent } from "./fixtures.ts";

type ApiHandler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResultV2>;
type AuthorizerHandler = (event: unknown) => Promise<AuthorizerResult>;

/** The entry points in-process, composed from the environment exactly as Lambda composes them. */
describe("Lambda entry points (in-process)", () => {
  let engine: Engine;
  let dir: string;
  let api: ApiHandler;
  let reader: ApiHandler;
  let authorize: AuthorizerHandler;
  let admin: string;
  const output: string[] = [];

  const call = async (input: HttpEventInput) => {
    const res = (await api(httpEvent(input), {})) as APIGatewayProxyStructuredResultV2;
    return { status: res.statusCode, body: JSON.parse(res.body ?? "null") };
  };
  const allowed = async (token: string) => {
    const result = await authorize(authorizerEvent(`Bearer ${token}`));
    if (!("context" in result)) throw new Error("expected the token to be allowed");
    return result.context;
  };

  beforeAll(async () => {
    engine = await startDynalite();
    dir = mkdtempSync(join(tmpdir(), "ss-handlers-"));
    const keyFile = join(dir, "master.key");
    await LocalKeyring.open(keyFile, { create: true });
    vi.stubEnv("TABLE_NAME", engine.table);
    vi.stubEnv("DYNAMODB_ENDPOINT", engine.endpoint);
    vi.stubEnv("LOCAL_MASTER_KEY_FILE", keyFile);
    vi.stubEnv("AWS_REGION", "eu-west-1");
    // Powertools writes through its own Console onto the process streams: capture both, print nothing.
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
        output.push(String(chunk));
        return true;
      });
    api = (await import("../../lambdas/handlers/api.ts")).handler as ApiHandler;
    reader = (await import("../../lambdas/handlers/reader.ts")).handler as ApiHandler;
    authorize = (await import("../../lambdas/handlers/authorizer.ts")).handler as AuthorizerHandler;
    ({ token: admin } = await bootstrapAdminToken({
      dynamo: engine.clients,
      table: engine.table,
      name: "in-process admin",
      actor: "test",
    }));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await engine?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves a route with the principal from the authorizer's context", async () => {
    const ctx = await allowed(admin);
    expect(ctx).toMatchObject({ role: "admin", name: "in-process admin", environmentId: "-", spaceId: "-" });
    expect(
      (await call({ method: "POST", url: "/v1/environments", body: { name: "EU" }, authorizer: ctx })).status,
    ).toBe(201);
    const list = await call({ method: "GET", url: "/v1/environments", authorizer: ctx });
    expect(list.status).toBe(200);
    expect(list.body.data.map((e: { name: string }) => e.name)).toEqual(["EU"]);
  });

  it("answers 401 when the authorizer context is missing or garbled, whatever headers the client sends", async () => {
    const ctx = await allowed(admin);
    const cases: unknown[] = [
      undefined,
      {},
      "admin",
      { ...ctx, role: "root" },
      { ...ctx, tokenId: "" },
      { ...ctx, tokenId: 42 },
      { role: "admin", name: "no id", environmentId: "", spaceId: "" },
      // An admin token is never bound to an environment; an agent always is.
      { ...ctx, environmentId: "us_env_123" },
      { ...ctx, role: "agent", environmentId: "" },
    ];
    for (const authorizer of cases) {
      const res = await call({
        method: "GET",
        url: "/v1/environments",
        authorizer,
        headers: { authorization: `Bearer ${admin}`, "x-principal": JSON.stringify(ctx) },
      });
      expect(res, JSON.stringify(authorizer)).toEqual({
        status: 401,
        body: { errors: [{ key: "Authorization", message: expect.any(String) }] },
      });
    }
    // Open routes need no context at all.
    expect((await call({ method: "GET", url: "/v1/health" })).status).toBe(200);
  });

  it("unknown, malformed, missing and revoked tokens reach no route: the API answers 401", async () => {
    const ctx = await allowed(admin);
    const created = await call({
      method: "POST",
      url: "/v1/tokens",
      body: { name: "short-lived", role: "admin" },
      authorizer: ctx,
    });
    const token: string = created.body.data.token;
    expect((await authorize(authorizerEvent(`Bearer ${token}`))).isAuthorized).toBe(true);
    expect(
      (
        await call({
          method: "DELETE",
          url: `/v1/tokens/${created.body.data.id}`,
          route: "/v1/tokens/{tokenId}",
          authorizer: ctx,
        })
      ).status,
    ).toBe(200);
    for (const [header, reason] of [
      [`Bearer ${token}`, "unknown_revoked_or_expired"],
      [`Bearer sst_${randomBytes(32).toString("base64url")}`, "unknown_revoked_or_expired"],
      ["Bearer sst_short", "malformed"],
      ["Token abc", "no_bearer"],
      [undefined, "no_bearer"],
    ] as const) {
      const result = await authorize(authorizerEvent(header));
      // Passed on with the reason, so the API function answers 401 with the API's error body.
      expect(result, String(header)).toEqual({ isAuthorized: true, context: { denied: reason } });
      const res = await call({ method: "GET", url: "/v1/environments", authorizer: result.context });
      expect(res).toEqual({
        status: 401,
        body: { errors: [{ key: "Authorization", message: expect.any(String) }] },
      });
    }
    const logged = output.join("");
    expect(logged).not.toContain(token);
    expect(logged).toContain('"reason":"unknown_revoked_or_expired"');
  });

  it("the reader function answers every GET as the full app does, over real data (ETag and 304 included)", async () => {
    const ctx = await allowed(admin);
    const write = async (url: string, body: unknown) => {
      const res = await call({ method: "POST", url, body, authorizer: ctx });
      expect(res.status, url).toBe(201);
      return res.body.data;
    };
    await write("/v1/environments", { name: "Reads", id: "reads_env" });
    await write("/v1/spaces", { name: "R1", environmentId: "reads_env", id: "reads_sp" });
    const secret = await write("/v1/secrets", {
      name: "DB_URL",
      value: "env-value",
      environmentId: "reads_env",
    });
    await write("/v1/secrets", {
      name: "DB_URL",
      value: "space-value",
      environmentId: "reads_env",
      spaceId: "reads_sp",
    });
    const agentToken = (
      await write("/v1/tokens", {
        name: "reads agent",
        role: "agent",
        environmentId: "reads_env",
        spaceId: "reads_sp",
      })
    ).token;
    const agent = await allowed(agentToken);

    // One event per request, given to both functions: the same request id, as API Gateway would send.
    const both = async (input: HttpEventInput) => {
      const event = httpEvent(input);
      const answer = async (handler: ApiHandler) => {
        const res = (await handler(event, {})) as APIGatewayProxyStructuredResultV2;
        const h = res.headers ?? {};
        const headers = Object.fromEntries(
          ["content-type", "etag", "cache-control", "x-request-id"].map((k) => [k, h[k] ?? null]),
        );
        return { status: res.statusCode, body: res.body, headers };
      };
      const [full, read] = [await answer(api), await answer(reader)];
      expect(read, `${input.url} as ${JSON.stringify(input.authorizer)}`).toEqual(full);
      return full;
    };
    const hot = "/v1/secrets?environmentId=reads_env&spaceId=reads_sp&name=DB_URL";
    const first = await both({ method: "GET", url: hot, authorizer: agent });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body ?? "").data[0].value).toBe("space-value");
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"/);
    expect(
      (await both({ method: "GET", url: hot, authorizer: agent, headers: { "if-none-match": etag } })).status,
    ).toBe(304);
    await both({ method: "GET", url: hot, authorizer: agent, headers: { "if-none-match": 'W/"other", *' } });
    for (const [url, route, who] of [
      ["/v1/secrets?environmentId=reads_env", undefined, ctx],
      ["/v1/secrets?environmentId=reads_env&spaceId=reads_sp&reveal=false&limit=1", undefined, ctx],
      ["/v1/secrets?environmentId=reads_env&limit=0.5&name=1a", undefined, agent],
      ["/v1/secrets?environmentId=other_env", undefined, agent],
      [`/v1/secrets/${secret.id}`, "/v1/secrets/{secretId}", ctx],
      [`/v1/secrets/${secret.id}?reveal=maybe`, "/v1/secrets/{secretId}", ctx],
      [`/v1/secrets/${secret.id}/versions`, "/v1/secrets/{secretId}/versions", agent],
      [`/v1/secrets/${secret.id}/versions`, "/v1/secrets/{secretId}/versions", ctx],
      ["/v1/environments", undefined, agent],
      ["/v1/environments/reads_env", "/v1/environments/{environmentId}", agent],
      ["/v1/environments/-", "/v1/environments/{environmentId}", ctx],
      ["/v1/spaces?environmentId=reads_env", undefined, ctx],
      ["/v1/spaces/reads_sp", "/v1/spaces/{spaceId}", agent],
      ["/v1/tokens?limit=2", undefined, ctx],
      ["/v1/tokens", undefined, agent],
      ["/v1/audit?environmentId=reads_env", undefined, ctx],
      ["/v1/whoami", undefined, agent],
      ["/v1/health", undefined, undefined],
      ["/v1/openapi.json", undefined, undefined],
      ["/v1/secrets?environmentId=reads_env", undefined, { denied: "malformed" }],
    ] as const)
      await both({ method: "GET", url, ...(route ? { route } : {}), authorizer: who });
  });

  it("logs writes and errors but not successful reads, batches request metrics, never logs a value", async () => {
    const ctx = await allowed(admin);
    await call({
      method: "POST",
      url: "/v1/environments",
      body: { name: "Metrics", id: "metrics_env" },
      authorizer: ctx,
    });
    const value = `value-${randomBytes(8).toString("hex")}`;
    output.length = 0;
    const set = await call({
      method: "POST",
      url: "/v1/secrets",
      body: { name: "API_KEY", value, environmentId: "metrics_env" },
      authorizer: ctx,
    });
    expect(set.status).toBe(201);
    const read = await call({
      method: "GET",
      url: "/v1/secrets?environmentId=metrics_env&name=API_KEY",
      authorizer: ctx,
    });
    expect(read.body.data[0].value).toBe(value);
    const missing = await call({
      method: "GET",
      url: "/v1/secrets?environmentId=metrics_env&name=NOPE",
      authorizer: ctx,
    });
    expect(missing.status).toBe(404);
    const lines = output
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    // The read that succeeded is in API Gateway's access log only: printing it here would double the log bill.
    expect(lines.filter((l) => l.message === "request").map((l) => [l.method, l.route, l.status])).toEqual([
      ["POST", "/v1/secrets", 201],
      ["GET", "/v1/secrets", 404],
    ]);
    // The write called the keyring (GenerateDataKey), so its metrics were published at once; the reads
    // that followed hit the data-key cache and wait for the next periodic flush.
    const metrics = lines.filter((l) => l._aws);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ KeyringGenerateDataKey: 1 });
    expect(output.join("")).not.toContain(value);
  });

  it("composes a KMS keyring from KEY_ARN: every KMS call names the key and carries the app's context", async () => {
    const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    const kms = mockClient(KMSClient);
    const dataKey = randomBytes(32);
    kms.on(GenerateDataKeyCommand).resolves({
      Plaintext: new Uint8Array(dataKey),
      CiphertextBlob: new Uint8Array(Buffer.from("wrapped-by-kms")),
      KeyId: keyArn,
    });
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(dataKey), KeyId: keyArn });
    try {
      const { composeApi } = await import("../../lambdas/handlers/compose.ts");
      const runtime = await composeApi({
        TABLE_NAME: engine.table,
        DYNAMODB_ENDPOINT: engine.endpoint,
        AWS_REGION: "eu-west-1",
        KEY_ARN: keyArn,
      });
      const ctx = await allowed(admin);
      const env = { event: { requestContext: { authorizer: { lambda: ctx } } } };
      const post = (path: string, body: unknown) =>
        runtime.app.request(
          path,
          { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
          env,
        );
      expect((await post("/v1/environments", { name: "KMS", id: "kms_env" })).status).toBe(201);
      expect(
        (await post("/v1/secrets", { name: "DB_URL", value: "postgres://kms", environmentId: "kms_env" }))
          .status,
      ).toBe(201);
      runtime.cache.clear(); // a cold cache: the read must unwrap through KMS
      const read = await runtime.app.request("/v1/secrets?environmentId=kms_env&name=DB_URL", {}, env);
      expect((await read.json()).data[0].value).toBe("postgres://kms");
      const [generate] = kms.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input);
      const [decrypt] = kms.commandCalls(DecryptCommand).map((c) => c.args[0].input);
      const context = {
        app: KEYRING_APP,
        environmentId: "kms_env",
        spaceId: "-",
        name: "DB_URL",
        version: "1",
      };
      expect(generate).toMatchObject({ KeyId: keyArn, KeySpec: "AES_256", EncryptionContext: context });
      expect(decrypt).toMatchObject({ KeyId: keyArn, EncryptionContext: context });
      expect(runtime.keyring.stats).toEqual({ generateDataKey: 1, decrypt: 1 });
    } finally {
      kms.restore();
    }
  });

  it("the authorizer throws (API Gateway: 500, nothing cached) when the table cannot be reached", async () => {
    const port = await freePort();
    const { createAuthorizer, composeAuthorizer } = await import("../../lambdas/handlers/authorizer.ts");
    const down = createAuthorizer(
      composeAuthorizer({ TABLE_NAME: engine.table, DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}` }),
    );
    output.length = 0;
    await expect(down(authorizerEvent(`Bearer ${admin}`))).rejects.toThrow(/could not be checked/);
    const logged = output.join("");
    expect(logged).toContain('"message":"token check failed"');
    expect(logged).not.toContain(admin);
    expect(logged).toContain('"AuthorizerErrors":1');
  });
});

describe("principalFromAuthorizer", () => {
  it("maps empty scope strings (cached by an older authorizer) to unbound and keeps the rest", () => {
    expect(
      principalFromAuthorizer({
        tokenId: "tok_1",
        role: "agent",
        environmentId: "e",
        spaceId: "",
        name: "a",
      }),
    ).toEqual({ tokenId: "tok_1", role: "agent", environmentId: "e", spaceId: undefined, name: "a" });
    expect(
      principalFromAuthorizer({
        tokenId: "tok_2",
        role: "operator",
        environmentId: "e",
        spaceId: "s",
        name: "o",
      }),
    ).toMatchObject({ environmentId: "e", spaceId: "s" });
  });
});
