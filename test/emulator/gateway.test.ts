import { request } from "node:http";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../emulator/gateway.ts";
import { gatewayConfigFrom } from "../../emulator/gateway-config.ts";
import { FunctionPool, node24Problem } from "../../emulator/lambda-pool.ts";
import type { Template } from "../../emulator/template.ts";

// biome-ignore lint/suspicious/noExplicitAny: events and bodies are untyped JSON
type Json = any;

const FIXTURES = resolve(import.meta.dirname, "fixtures");
const skip = node24Problem();

/** The functions of the fixture API: handler export, Lambda timeout (s), memory (MB). */
const FUNCTIONS = {
  Echo: ["echo", 3, 128],
  Auth: ["authorizer", 3, 128],
  Plain: ["plain", 3, 128],
  Malformed: ["malformed", 3, 128],
  Fail: ["fail", 3, 128],
  SlowFn: ["slow", 1, 128],
  SlowIntegration: ["slow", 5, 128],
  Busy: ["busy", 3, 128],
  Runtime: ["runtime", 3, 192],
  Hog: ["hog", 10, 64],
} as const;

/** A small HTTP API in the template's own resource types, read by the same code that reads the stack's. */
function fixtureTemplate(): Template {
  const resources: Template["Resources"] = {
    Api: {
      Type: "AWS::ApiGatewayV2::Api",
      Properties: {
        ProtocolType: "HTTP",
        CorsConfiguration: {
          AllowOrigins: [{ "Fn::Join": ["", ["https://", { "Fn::GetAtt": ["Cdn", "DomainName"] }]] }],
          AllowHeaders: ["authorization", "content-type"],
          AllowMethods: ["GET", "POST"],
          ExposeHeaders: ["x-request-id"],
          MaxAge: 600,
        },
      },
    },
    Auth: {
      Type: "AWS::ApiGatewayV2::Authorizer",
      Properties: {
        AuthorizerType: "REQUEST",
        AuthorizerPayloadFormatVersion: "2.0",
        EnableSimpleResponses: true,
        IdentitySource: ["$request.header.Authorization"],
        AuthorizerResultTtlInSeconds: 60,
        AuthorizerUri: {
          "Fn::Join": ["", ["arn:aws:apigateway:", { "Fn::GetAtt": ["AuthFn", "Arn"] }, "/invocations"]],
        },
      },
    },
    Stage: {
      Type: "AWS::ApiGatewayV2::Stage",
      Properties: {
        StageName: "$default",
        AccessLogSettings: {
          Format: '{"route":"$context.routeKey","status":"$context.status","who":"$context.authorizer.who"}',
        },
        RouteSettings: { "GET /limited": { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 } },
      },
    },
  };
  for (const id of Object.keys(FUNCTIONS))
    resources[`${id}Fn`] = { Type: "AWS::Lambda::Function", Properties: {} };
  const route = (key: string, fn: string, auth: boolean, timeout?: number) => {
    const id = key.replace(/[^A-Za-z]/g, "");
    resources[`${id}Integration`] = {
      Type: "AWS::ApiGatewayV2::Integration",
      Properties: {
        IntegrationType: "AWS_PROXY",
        PayloadFormatVersion: "2.0",
        IntegrationUri: { "Fn::GetAtt": [`${fn}Fn`, "Arn"] },
        ...(timeout ? { TimeoutInMillis: timeout } : {}),
      },
    };
    resources[`${id}Route`] = {
      Type: "AWS::ApiGatewayV2::Route",
      Properties: {
        RouteKey: key,
        Target: { "Fn::Join": ["", ["integrations/", { Ref: `${id}Integration` }]] },
        AuthorizationType: auth ? "CUSTOM" : "NONE",
        ...(auth ? { AuthorizerId: { Ref: "Auth" } } : {}),
      },
    };
  };
  route("GET /echo/{id}", "Echo", true);
  route("POST /echo/{id}", "Echo", true);
  route("GET /open", "Plain", false);
  route("GET /malformed", "Malformed", false);
  route("GET /fail", "Fail", false);
  route("GET /lambda-timeout", "SlowFn", false);
  route("GET /integration-timeout", "SlowIntegration", false, 300);
  route("GET /busy", "Busy", false);
  route("GET /runtime", "Runtime", false);
  route("GET /hog", "Hog", false);
  route("GET /limited", "Plain", false);
  return { Resources: resources };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Json;
}

/** Raw HTTP/1.1, so a header can be sent twice. */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string | string[]> = {},
  body?: Buffer | string,
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((ok, fail) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          ok({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

describe.skipIf(skip)(
  `emulated HTTP API gateway: each documented rule${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    const pools: Record<string, FunctionPool> = {};
    const accessLog: string[] = [];
    let clock = 1_000_000;
    let gw: RunningGateway;
    let throttled: RunningGateway;
    const config = () =>
      gatewayConfigFrom(fixtureTemplate(), (v) =>
        typeof v === "string" ? v : "https://ui.example.cloudfront.net",
      );
    const deps = {
      accountId: "123456789012",
      region: "eu-west-1",
      now: () => clock,
      invoke: (id: string, event: unknown) => (pools[id] as FunctionPool).invoke(event),
      onAccessLog: (line: string) => accessLog.push(line),
    };

    beforeAll(async () => {
      for (const [id, [handler, timeoutSeconds, memoryMb]] of Object.entries(FUNCTIONS))
        pools[`${id}Fn`] = new FunctionPool(
          {
            name: id,
            codeDir: FIXTURES,
            handler: `functions.${handler}`,
            memoryMb,
            timeoutSeconds,
            environment: { FIXTURE_SETTING: `from the template of ${id}` },
          },
          { maxInstances: 2, region: "eu-west-1" },
        );
      gw = await startGateway(config(), deps, { host: "127.0.0.1", port: 0 });
      throttled = await startGateway({ ...config(), throttle: { rateLimit: 1, burstLimit: 3 } }, deps, {
        host: "127.0.0.1",
        port: 0,
      });
    }, 60_000);
    afterAll(async () => {
      await gw?.close();
      await throttled?.close();
      await Promise.all(Object.values(pools).map((p) => p.close()));
    });

    it("reads routes, the authorizer (TTL, identity source), CORS and integration timeouts from the template", () => {
      const c = config();
      expect(c.routes.map((r) => r.routeKey)).toContain("GET /echo/{id}");
      const echo = c.routes.find((r) => r.routeKey === "GET /echo/{id}");
      expect(echo?.authorizer).toMatchObject({
        functionId: "AuthFn",
        identityHeaders: ["authorization"],
        ttlSeconds: 60,
      });
      expect(c.routes.find((r) => r.routeKey === "GET /open")?.authorizer).toBeUndefined();
      expect(c.routes.find((r) => r.routeKey === "GET /integration-timeout")?.timeoutMs).toBe(300);
      expect(echo?.timeoutMs).toBe(30_000);
      expect(c.cors?.allowOrigins).toEqual(["https://ui.example.cloudfront.net"]);
    });

    it("hands the function a payload 2.0 event: lower-case headers, repeats comma-joined, cookies, raw path and query, authorizer context", async () => {
      const res = await send(gw.url, "GET", "/echo/a%20b?x=1&x=2&y=%2F&empty", {
        Authorization: "allow alice",
        "X-Repeated": ["one", "two"],
        Cookie: "a=1; b=2",
      });
      expect(res.status).toBe(200);
      const e = res.json.event;
      expect(e).toMatchObject({
        version: "2.0",
        routeKey: "GET /echo/{id}",
        rawPath: "/echo/a%20b",
        rawQueryString: "x=1&x=2&y=%2F&empty",
        queryStringParameters: { x: "1,2", y: "/", empty: "" },
        pathParameters: { id: "a b" },
        cookies: ["a=1", "b=2"],
        isBase64Encoded: false,
        requestContext: {
          http: { method: "GET", path: "/echo/a b", protocol: "HTTP/1.1", sourceIp: "127.0.0.1" },
          routeKey: "GET /echo/{id}",
          stage: "$default",
          accountId: "123456789012",
          authorizer: { lambda: { who: "alice", n: 7, empty: "" } },
        },
      });
      expect(e.headers["x-repeated"]).toBe("one,two");
      expect(e.headers.authorization).toBe("allow alice");
      expect(e.headers.cookie).toBeUndefined();
      expect(Object.keys(e.headers).every((h: string) => h === h.toLowerCase())).toBe(true);
      // Format 2.0: each cookie of the response becomes a set-cookie header.
      expect(res.headers["set-cookie"]).toEqual(["session=1; HttpOnly", "theme=dark"]);
    });

    it("passes a text body as is and a binary one base64-encoded", async () => {
      const json = await send(
        gw.url,
        "POST",
        "/echo/x",
        { authorization: "allow bob", "content-type": "application/json" },
        '{"a":"é"}',
      );
      expect(json.json.event).toMatchObject({ body: '{"a":"é"}', isBase64Encoded: false });
      const bytes = Buffer.from([0xff, 0x00, 0xfe]);
      const bin = await send(
        gw.url,
        "POST",
        "/echo/x",
        { authorization: "allow bob", "content-type": "application/octet-stream" },
        bytes,
      );
      expect(bin.json.event).toMatchObject({ body: bytes.toString("base64"), isBase64Encoded: true });
    });

    it("answers 401 without calling the authorizer when the Authorization header is missing or empty", async () => {
      const before = gw.stats.authorizerInvocations;
      for (const headers of [{}, { authorization: "" }] as Array<Record<string, string>>) {
        const res = await send(gw.url, "GET", "/echo/1", headers);
        expect(res.status).toBe(401);
        expect(res.text).toBe('{"message":"Unauthorized"}');
        expect(res.headers["content-type"]).toBe("application/json");
      }
      expect(gw.stats.authorizerInvocations).toBe(before);
      expect((await send(gw.url, "GET", "/open")).status).toBe(200);
    });

    it("caches the authorizer's answer per identity-source value for the TTL, then asks again", async () => {
      const invocations = () => gw.stats.authorizerInvocations;
      const start = invocations();
      await send(gw.url, "GET", "/echo/1", { authorization: "allow carol" });
      await send(gw.url, "GET", "/echo/2", { authorization: "allow carol" });
      expect(invocations() - start).toBe(1);
      await send(gw.url, "GET", "/echo/1", { authorization: "allow dave" });
      expect(invocations() - start).toBe(2);
      clock += 59_000;
      await send(gw.url, "GET", "/echo/3", { authorization: "allow carol" });
      expect(invocations() - start).toBe(2);
      clock += 1_001;
      const after = await send(gw.url, "GET", "/echo/3", { authorization: "allow carol" });
      expect(invocations() - start).toBe(3);
      expect(after.json.event.requestContext.authorizer.lambda.who).toBe("carol");
    });

    it("answers 403 to isAuthorized false (cached too), 500 to an authorizer error or malformed answer (not cached)", async () => {
      const deny = await send(gw.url, "GET", "/echo/1", { authorization: "deny" });
      expect([deny.status, deny.text]).toEqual([403, '{"message":"Forbidden"}']);
      const n = gw.stats.authorizerInvocations;
      expect((await send(gw.url, "GET", "/echo/1", { authorization: "deny" })).status).toBe(403);
      expect(gw.stats.authorizerInvocations).toBe(n);
      for (const authorization of ["throw", "malformed"]) {
        const before = gw.stats.authorizerInvocations;
        for (let i = 0; i < 2; i++) {
          const res = await send(gw.url, "GET", "/echo/1", { authorization });
          expect([res.status, res.text]).toEqual([500, '{"message":"Internal Server Error"}']);
        }
        expect(gw.stats.authorizerInvocations - before).toBe(2);
      }
    });

    it("answers API Gateway's own 404 to a path or method no route matches", async () => {
      for (const [method, path] of [
        ["GET", "/nope"],
        ["DELETE", "/echo/1"],
        ["HEAD", "/open"],
        ["GET", "/echo/1/extra"],
        ["GET", "/echo/"],
      ] as const) {
        const res = await send(gw.url, method, path, { authorization: "allow x" });
        expect(res.status, `${method} ${path}`).toBe(404);
        if (method !== "HEAD") expect(res.text).toBe('{"message":"Not Found"}');
      }
    });

    it("throttles the stage with a token bucket: burst, then 429, then the rate refills it", async () => {
      clock += 10_000;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await send(throttled.url, "GET", "/open")).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const res = await send(throttled.url, "GET", "/open");
      expect(res.text).toBe('{"message":"Too Many Requests"}');
      clock += 1_000;
      expect((await send(throttled.url, "GET", "/open")).status).toBe(200);
      expect((await send(throttled.url, "GET", "/open")).status).toBe(429);
    });

    it("throttles a route with its own RouteSettings on its own bucket, and no other route", async () => {
      clock += 10_000;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await send(gw.url, "GET", "/limited")).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect((await send(gw.url, "GET", "/open")).status).toBe(200);
      clock += 1_000;
      expect((await send(gw.url, "GET", "/limited")).status).toBe(200);
      expect((await send(gw.url, "GET", "/limited")).status).toBe(429);
    });

    it("answers 500 to a function error and to the function's own timeout, 503 when the integration times out", async () => {
      const fail = await send(gw.url, "GET", "/fail");
      expect([fail.status, fail.text]).toEqual([500, '{"message":"Internal Server Error"}']);
      const lambdaTimeout = await send(gw.url, "GET", "/lambda-timeout?ms=3000");
      expect([lambdaTimeout.status, lambdaTimeout.text]).toEqual([
        500,
        '{"message":"Internal Server Error"}',
      ]);
      const integrationTimeout = await send(gw.url, "GET", "/integration-timeout?ms=2000");
      expect([integrationTimeout.status, integrationTimeout.text]).toEqual([
        503,
        '{"message":"Service Unavailable"}',
      ]);
      const malformed = await send(gw.url, "GET", "/malformed");
      expect(malformed.status).toBe(500);
      expect(accessLog.some((l) => l.includes('"route":"GET /fail","status":"500"'))).toBe(true);
    }, 20_000);

    it("takes a result without statusCode as 200 application/json with the result as body", async () => {
      const res = await send(gw.url, "GET", "/open");
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(res.json).toEqual({ hello: "world" });
    });

    it("answers CORS preflights itself and puts the configured CORS headers on responses, ignoring the function's", async () => {
      const origin = "https://ui.example.cloudfront.net";
      const pre = await send(gw.url, "OPTIONS", "/echo/1", {
        origin,
        "access-control-request-method": "GET",
      });
      expect(pre.status).toBe(204);
      expect(pre.headers).toMatchObject({
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "authorization,content-type",
        "access-control-max-age": "600",
      });
      const other = await send(gw.url, "OPTIONS", "/echo/1", {
        origin: "https://evil.example",
        "access-control-request-method": "GET",
      });
      expect(other.headers["access-control-allow-origin"]).toBeUndefined();
      const get = await send(gw.url, "GET", "/echo/1", { origin, authorization: "allow erin" });
      expect(get.headers["access-control-allow-origin"]).toBe(origin);
      expect(get.headers["access-control-expose-headers"]).toBe("x-request-id");
      const evil = await send(gw.url, "GET", "/echo/1", {
        origin: "https://evil.example",
        authorization: "allow erin",
      });
      expect(evil.headers["access-control-allow-origin"]).toBeUndefined();
    });

    it("writes the access log in the stage's format, with the authorizer's context", () => {
      expect(accessLog).toContain('{"route":"GET /echo/{id}","status":"200","who":"alice"}');
      expect(accessLog).toContain('{"route":"-","status":"404","who":"-"}');
    });
  },
);

describe.skipIf(skip)(`Lambda-like workers${skip ? ` (skipped: ${skip})` : ""}`, () => {
  const pool = (handler: string, memoryMb = 128, maxInstances = 2, timeoutSeconds = 3) =>
    new FunctionPool(
      {
        name: handler,
        codeDir: FIXTURES,
        handler: `functions.${handler}`,
        memoryMb,
        timeoutSeconds,
        environment: { FIXTURE_SETTING: "template value" },
      },
      { maxInstances, region: "eu-west-1" },
    );

  it("run Node 24 with the template's environment and memory (heap capped from MemorySize)", async () => {
    const p = pool("runtime", 192);
    try {
      const out = await p.invoke({});
      const body = JSON.parse((out as Json).result.body);
      expect(body.node).toMatch(/^v24\./);
      expect(body.env).toEqual({
        FIXTURE_SETTING: "template value",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "192",
        AWS_REGION: "eu-west-1",
      });
      expect(body.heapLimitMb).toBeGreaterThanOrEqual(192);
      // V8's limit adds the young generation to --max-old-space-size; it stays within twice MemorySize.
      expect(body.heapLimitMb).toBeLessThanOrEqual(2 * 192);
      expect(body.remaining).toBeGreaterThan(2000);
      expect(body.remaining).toBeLessThanOrEqual(3000);
    } finally {
      await p.close();
    }
  });

  it("fail a function that outgrows its memory (Runtime.ExitError) and start a fresh instance after", async () => {
    const p = pool("hog", 64, 1, 20);
    try {
      const out = await p.invoke({});
      expect(out).toMatchObject({ ok: false, errorType: "Runtime.ExitError" });
      expect(p.stats.inits).toBe(1);
    } finally {
      await p.close();
    }
  }, 30_000);

  it("initialise once per instance, run one invocation at a time per instance, and scale out up to the limit", async () => {
    const p = pool("busy", 128, 2);
    try {
      const outs = await Promise.all(Array.from({ length: 6 }, () => p.invoke({})));
      const bodies = outs.map((o) => JSON.parse((o as Json).result.body));
      expect(new Set(bodies.map((b) => b.pid)).size).toBe(2);
      expect(p.stats.inits).toBe(2);
      expect(p.stats.maxConcurrent).toBe(2);
      expect(bodies.every((b) => b.inits === 1 && b.maxInFlight === 1)).toBe(true);
      // Warm: a later invocation reuses an instance.
      const again = JSON.parse(((await p.invoke({})) as Json).result.body);
      expect(bodies.map((b) => b.pid)).toContain(again.pid);
      expect(p.stats.inits).toBe(2);
    } finally {
      await p.close();
    }
  }, 20_000);

  it("end an instance at the function's timeout; the next invocation is a cold start", async () => {
    const p = pool("slow", 128, 1, 1);
    try {
      const timedOut = await p.invoke({ queryStringParameters: { ms: "3000" } });
      expect(timedOut).toMatchObject({
        ok: false,
        errorType: "Sandbox.Timedout",
        errorMessage: "Task timed out after 1.00 seconds",
      });
      const next = await p.invoke({ queryStringParameters: { ms: "10" } });
      expect(next.ok).toBe(true);
      expect(p.stats.inits).toBe(2);
    } finally {
      await p.close();
    }
  }, 20_000);
});
