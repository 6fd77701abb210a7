import { describe, expect, it } from "vitest";
import { parseCallerIdentity, resolveStsEndpoint, StsVerifier } from "../../lambdas/auth/sts-verifier.ts";
import { parseRoleArn, roleOfCaller } from "../../lambdas/core/aws-auth-arn.ts";
import { roleArnSchema } from "../../lambdas/core/aws-auth-arn-schema.ts";
import { parseSignedLogin } from "../../lambdas/core/aws-auth-request.ts";
import { LoginThrottle } from "../../lambdas/core/aws-auth-throttle.ts";
import { AppError } from "../../lambdas/core/errors.ts";
import type { ScopeStore, TokenStore } from "../../lambdas/core/ports.ts";
import { TokenService } from "../../lambdas/core/token-service.ts";
import type { TokenRecord } from "../../lambdas/core/types.ts";
import { principalFromAuthorizer, toAuthorizerContext } from "../../lambdas/handlers/authorizer-context.ts";

describe("role ARNs", () => {
  it("maps an assumed-role session to its role, and nothing else", () => {
    expect(roleOfCaller("arn:aws:sts::123456789012:assumed-role/billing-agent/i-0abc")).toEqual({
      account: "123456789012",
      roleName: "billing-agent",
      canonicalArn: "arn:aws:iam::123456789012:role/billing-agent",
      sessionName: "i-0abc",
    });
    for (const arn of [
      "arn:aws:iam::123456789012:user/alice",
      "arn:aws:sts::123456789012:federated-user/bob",
      "arn:aws:iam::123456789012:root",
      "arn:aws:sts::123456789012:assumed-role/role-only",
      "arn:aws:sts::123456789012:assumed-role/r/s/extra",
      "arn:aws:sts::12345678901:assumed-role/r/session",
      "arn:aws-cn:sts::123456789012:assumed-role/r/session",
    ])
      expect(roleOfCaller(arn), arn).toBeUndefined();
  });

  it("a bound role's path is kept for show and dropped for matching (STS drops it too)", () => {
    const arn = "arn:aws:iam::123456789012:role/service-role/team/billing-agent";
    expect(roleArnSchema.safeParse(arn).success).toBe(true);
    expect(parseRoleArn(arn)?.canonicalArn).toBe("arn:aws:iam::123456789012:role/billing-agent");
    expect(roleArnSchema.safeParse(`arn:aws:iam::123456789012:role/${"p/".repeat(300)}x`).success).toBe(
      false,
    );
  });
});

const SERVER = {
  serverId: "srv-1",
  stsHost: "sts.eu-west-1.amazonaws.com",
  now: new Date("2030-01-01T00:00:00Z"),
};
const b64 = (s: string) => Buffer.from(s).toString("base64");
const AUTH = `AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE01/20300101/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-scoped-secrets-server-id, Signature=${"a".repeat(64)}`;
const goodHeaders = (): Record<string, string | string[]> => ({
  Authorization: AUTH,
  Host: "sts.eu-west-1.amazonaws.com",
  "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
  "X-Amz-Date": "20300101T000100Z",
  "X-Amz-Security-Token": "session",
  "X-Scoped-Secrets-Server-ID": "srv-1",
  "X-Forwarded-For": "10.0.0.1",
});
const input = (headers: Record<string, string | string[]>, extra: Record<string, unknown> = {}) => ({
  iamHttpRequestMethod: "POST",
  iamRequestHeaders: b64(JSON.stringify(headers)),
  iamRequestBody: b64("Action=GetCallerIdentity&Version=2011-06-15"),
  ...extra,
});
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof AppError ? `${e.code}: ${e.message}` : String(e);
  }
  return "accepted";
};

describe("parseSignedLogin", () => {
  it("forwards exactly the signed headers and Authorization, in lower case", () => {
    expect(parseSignedLogin(input(goodHeaders()), SERVER)).toEqual({
      headers: {
        authorization: AUTH,
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "x-amz-date": "20300101T000100Z",
        "x-amz-security-token": "session",
        "x-scoped-secrets-server-id": "srv-1",
      },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
  });

  it("refuses what it will not forward", () => {
    const h = goodHeaders;
    const cases: Array<[string, ReturnType<typeof input>, RegExp]> = [
      ["a header sent twice", input({ ...h(), "x-scoped-secrets-server-id": "srv-1" }), /sent once/],
      [
        "Host for another endpoint",
        input({ ...h(), Host: "sts.us-east-1.amazonaws.com" }),
        /sts\.eu-west-1\.amazonaws\.com only/,
      ],
      [
        "a URL for another host",
        input(h(), { iamRequestUrl: b64("https://evil.example/") }),
        /evil\.example/,
      ],
      [
        "a URL with a query",
        input(h(), { iamRequestUrl: b64("https://sts.eu-west-1.amazonaws.com/?Action=AssumeRole") }),
        /root/,
      ],
      [
        "a wrong server id",
        input({ ...h(), "X-Scoped-Secrets-Server-ID": "srv-2" }),
        /Server-ID does not match/,
      ],
      ["a stale signature", input({ ...h(), "X-Amz-Date": "20291231T234400Z" }), /15 minutes/],
      ["a GET", input(h(), { iamHttpRequestMethod: "GET" }), /POST/],
      ["Content-Length that lies", input({ ...h(), "Content-Length": "1" }), /Content-Length/],
      ["no signature", input({ ...h(), Authorization: "Bearer x" }), /SigV4/],
      [
        "a signed header not forwarded",
        input({ ...h(), Authorization: AUTH.replace("SignedHeaders=", "SignedHeaders=x-forwarded-for;") }),
        /only these headers/,
      ],
      [
        "a signature for another service",
        input({ ...h(), Authorization: AUTH.replace("/sts/", "/iam/") }),
        /SigV4/,
      ],
      ["a header with a newline", input({ ...h(), "X-Amz-Security-Token": "a\r\nHost: evil" }), /one line/],
      // fetch cannot send these: before the fix they passed here and came back as 503 "STS unavailable".
      [
        "a header beyond ASCII",
        input({ ...h(), "X-Amz-Security-Token": "€" }),
        /^invalid_input: .*printable ASCII/,
      ],
      ["a header with a NUL", input({ ...h(), "X-Amz-Security-Token": "a\u0000b" }), /printable ASCII/],
      ["a header name that is no token", input({ ...h(), "X Bad": "1" }), /HTTP tokens/],
    ];
    for (const [what, body, message] of cases)
      expect(
        refusal(() => parseSignedLogin(body, SERVER)),
        what,
      ).toMatch(message);
  });
});

describe("LoginThrottle", () => {
  it("allows a burst, then answers 429 with Retry-After, and refills over time", () => {
    let now = 0;
    const throttle = new LoginThrottle(
      { perAddress: { burst: 3, perMinute: 6 }, perRole: { burst: 1, perMinute: 1 } },
      { now: () => new Date(now) },
    );
    for (let i = 0; i < 3; i++) throttle.address("10.0.0.1");
    expect(refusal(() => throttle.address("10.0.0.1"))).toMatch(/^throttled: .*retry after 10 s/);
    throttle.address("10.0.0.2"); // per address
    now += 10_000;
    throttle.address("10.0.0.1");
    throttle.role("arn:aws:iam::1:role/a");
    expect(refusal(() => throttle.role("arn:aws:iam::1:role/a"))).toMatch(/^throttled/);
  });
});

describe("the STS adapter's edges", () => {
  it("chooses the endpoint from configuration only", () => {
    expect(resolveStsEndpoint({}).host).toBe("sts.amazonaws.com");
    expect(resolveStsEndpoint({ AWS_REGION: "eu-west-1" }).host).toBe("sts.eu-west-1.amazonaws.com");
    expect(resolveStsEndpoint({ STS_ENDPOINT: "http://127.0.0.1:5000", AWS_REGION: "eu-west-1" }).host).toBe(
      "127.0.0.1:5000",
    );
    expect(() => resolveStsEndpoint({ STS_ENDPOINT: "http://sts.example.com" })).toThrow(/https/);
    expect(() => resolveStsEndpoint({ STS_ENDPOINT: "https://sts.example.com/path" })).toThrow(/origin/);
  });

  it("a header fetch cannot send is the request's 400, never STS unavailable", async () => {
    let called = false;
    const verifier = new StsVerifier(new URL("https://sts.eu-west-1.amazonaws.com/"), {
      fetch: (async () => {
        called = true;
        return new Response("", { status: 200 });
      }) as typeof fetch,
    });
    const error = await verifier
      .getCallerIdentity({ headers: { "x-amz-security-token": "€" }, body: "Action=GetCallerIdentity" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("invalid_input");
    expect(called).toBe(false);
  });

  it("reads the caller from GetCallerIdentity's XML and nothing else", () => {
    const xml = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><UserId>AROAEXAMPLE:s</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`;
    expect(parseCallerIdentity(xml)).toEqual({
      arn: "arn:aws:sts::123456789012:assumed-role/r/s",
      userId: "AROAEXAMPLE:s",
      account: "123456789012",
    });
    expect(parseCallerIdentity("<Arn>arn:aws:sts::1:assumed-role/r/s</Arn>")).toBeUndefined();
  });
});

describe("no cache outlives a token's expiry", () => {
  it("the API refuses an authorizer answer (cached up to 60 s) once its token has expired", () => {
    const principal = { tokenId: "tok_1", name: "aws x", role: "agent" as const, environmentId: "e" };
    const past = toAuthorizerContext({ ...principal, expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(refusal(() => principalFromAuthorizer(past))).toMatch(/^unauthorized: .*expired/);
    const future = toAuthorizerContext({
      ...principal,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(principalFromAuthorizer(future)).toMatchObject({ tokenId: "tok_1", expiresAt: future.expiresAt });
    expect(toAuthorizerContext(principal)).not.toHaveProperty("expiresAt");
  });

  it("the local principal cache keeps a principal no longer than its token lives", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const record: TokenRecord = {
      id: "tok_1",
      name: "aws x",
      role: "agent",
      environmentId: "e",
      expiresAt: new Date(now + 2_000).toISOString(),
      createdAt: new Date(now).toISOString(),
      createdBy: "awsid_1",
    };
    let reads = 0;
    const tokens = {
      getTokenByHash: async () => {
        reads++;
        return record;
      },
      touchToken: async () => undefined,
    } as unknown as TokenStore;
    const service = new TokenService({
      tokens,
      scopes: {} as ScopeStore,
      clock: { now: () => new Date(now) },
      principalCache: { ttlMs: 60_000 },
    });
    const token = `sst_${"a".repeat(43)}`;
    await service.authenticate(token);
    await service.authenticate(token);
    expect(reads).toBe(1);
    now += 2_001;
    await expect(service.authenticate(token)).rejects.toMatchObject({ code: "unauthorized" });
    expect(reads).toBe(2);
  });
});
