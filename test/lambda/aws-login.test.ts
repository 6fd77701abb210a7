import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LocalKeyring } from "../../lambdas/crypto/local-keyring.ts";
import type { AuthorizerResult } from "../../lambdas/handlers/authorizer.ts";
import { bootstrapAdminToken } from "../../ops/bootstrap-run.ts";
import { signedLoginBody } from "../integration/aws-auth/signing.ts";
import { type Engine, startDynalite } from "../support/engines.ts";
import { type MotoSts, startMotoSts } from "../support/moto-sts.ts";
import { authorizerEvent, type HttpEventInput, httpEvent } from "./fixtures.ts";

type ApiHandler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResultV2>;
type AuthorizerHandler = (event: unknown) => Promise<AuthorizerResult>;

/** The AWS login through the Lambda entry points, composed from the environment as Lambda composes them. */
describe("AWS login on the Lambda path (in-process)", () => {
  let engine: Engine;
  let moto: MotoSts;
  let dir: string;
  let api: ApiHandler;
  let authorize: AuthorizerHandler;
  let admin: string;

  const call = async (input: HttpEventInput) => {
    const res = (await api(httpEvent(input), {})) as APIGatewayProxyStructuredResultV2;
    return { status: res.statusCode ?? 0, body: JSON.parse(res.body ?? "null") };
  };
  const context = async (token: string) => {
    const result = await authorize(authorizerEvent(`Bearer ${token}`));
    if (!("context" in result)) throw new Error("expected a context");
    return result.context as Record<string, string>;
  };

  beforeAll(async () => {
    [engine, moto] = await Promise.all([startDynalite(), startMotoSts()]);
    dir = mkdtempSync(join(tmpdir(), "ss-lambda-aws-"));
    const keyFile = join(dir, "master.key");
    await LocalKeyring.open(keyFile, { create: true });
    vi.stubEnv("TABLE_NAME", engine.table);
    vi.stubEnv("DYNAMODB_ENDPOINT", engine.endpoint);
    vi.stubEnv("LOCAL_MASTER_KEY_FILE", keyFile);
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.stubEnv("SERVER_ID", "scoped-secrets:123456789012:eu-west-1:Test");
    vi.stubEnv("STS_ENDPOINT", moto.url);
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, "write").mockImplementation(() => true);
    api = (await import("../../lambdas/handlers/api.ts")).handler as ApiHandler;
    authorize = (await import("../../lambdas/handlers/authorizer.ts")).handler as AuthorizerHandler;
    ({ token: admin } = await bootstrapAdminToken({
      dynamo: engine.clients,
      table: engine.table,
      name: "admin",
      actor: "test",
    }));
  }, 60_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await Promise.all([engine?.stop(), moto?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("logs in without the authorizer, and the API refuses the token once expired even from a cached answer", async () => {
    const adminCtx = await context(admin);
    await call({
      method: "POST",
      url: "/v1/environments",
      body: { name: "l", id: "lambda_env" },
      authorizer: adminCtx,
    });
    const role = "arn:aws:iam::123456789012:role/lambda-agent";
    const bound = await call({
      method: "POST",
      url: "/v1/aws-identities",
      body: {
        name: "fn",
        principalArn: role,
        role: "agent",
        environmentId: "lambda_env",
        tokenTtlSeconds: 60,
      },
      authorizer: adminCtx,
    });
    expect(bound.status).toBe(201);
    const body = await signedLoginBody({
      credentials: await moto.assumeRole(role, "fn-session"),
      stsUrl: moto.url,
      serverId: "scoped-secrets:123456789012:eu-west-1:Test",
    });
    // An open route: API Gateway invokes no authorizer, so the event carries none.
    const login = await call({ method: "POST", url: "/v1/auth/aws", body });
    expect(login.status).toBe(200);
    const ctx = await context(login.body.data.token);
    expect(ctx).toMatchObject({
      role: "agent",
      environmentId: "lambda_env",
      expiresAt: login.body.data.expiresAt,
    });
    expect((await call({ method: "GET", url: "/v1/whoami", authorizer: ctx })).status).toBe(200);
    // API Gateway may replay this context from its cache for up to 60 s after the token expired.
    const stale = { ...ctx, expiresAt: new Date(Date.now() - 1).toISOString() };
    const refused = await call({ method: "GET", url: "/v1/whoami", authorizer: stale });
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].key).toBe("Authorization");
  });

  it("throttles by the caller's address as API Gateway reports it", async () => {
    let status = 0;
    for (let i = 0; i < 40 && status !== 429; i++)
      status = (
        await call({
          method: "POST",
          url: "/v1/auth/aws",
          body: { iamHttpRequestMethod: "GET", iamRequestHeaders: "e30=", iamRequestBody: "QQ==" },
        })
      ).status;
    expect(status).toBe(429);
  });
});
