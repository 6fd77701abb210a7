import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import type { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createApp } from "../../lambdas/api/app.ts";
import type { AppDeps, AppEnv, Services } from "../../lambdas/api/context.ts";
import { OPENAPI_DOCUMENT } from "../../lambdas/api/openapi-document.ts";
import { createReaderApp, READER_OPEN_PATHS, readerRoutes } from "../../lambdas/api/reader-app.ts";
import {
  describeRoutes,
  servedOpenApiDocument,
  storedOpenApiIsCurrent,
} from "../../lambdas/api/route-table.ts";
import { AppError } from "../../lambdas/core/errors.ts";
import type { Principal } from "../../lambdas/core/principal.ts";

/**
 * The reader function's app (every GET route, no zod) against the full app it stands in for: the same
 * routes, the same stored OpenAPI document, and the same answer to any GET — status, body and headers —
 * for generated paths, queries and headers. Services are a recorder that fails every call with the call
 * and its arguments in the message, so equal bodies also mean the same service call with the same
 * validated input. The ETag/304 path over real data is compared in test/lambda/handlers.test.ts.
 */

const PRINCIPALS: Principal[] = [
  { tokenId: "tok_admin", name: "root", role: "admin" },
  { tokenId: "tok_op", name: "ops", role: "operator", environmentId: "us_env_1" },
  { tokenId: "tok_agent", name: "agent", role: "agent", environmentId: "us_env_1", spaceId: "us_sp_1" },
];

/** services.x.y(...args) rejects with "x.y <args>" (the not-found error, so no 5xx log path differs). */
const recorder = new Proxy({} as Services, {
  get: (_, service: string) =>
    new Proxy(
      {},
      {
        get:
          (_s, method: string) =>
          async (...args: unknown[]) => {
            throw new AppError("not_found", `${service}.${method} ${JSON.stringify(args)}`, { key: "x" });
          },
      },
    ),
});

function apps(principal: Principal | undefined) {
  const deps: AppDeps = {
    services: recorder,
    version: "9.9.9",
    principalOf: async () => {
      if (!principal)
        throw new AppError("unauthorized", "send Authorization: Bearer <token>", { key: "Authorization" });
      return principal;
    },
  };
  return { full: createApp(deps), reader: createReaderApp(deps, OPENAPI_DOCUMENT) };
}

const HEADERS = ["content-type", "etag", "cache-control", "retry-after", "x-request-id"];
async function answer(app: Hono<AppEnv>, url: string, headers: Record<string, string>) {
  const env = { event: { requestContext: { requestId: "req-1" } } };
  const res = await app.request(url, { method: "GET", headers }, env);
  return {
    status: res.status,
    body: await res.text(),
    headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])),
  };
}

describe("reader app = the full app on every GET", () => {
  it("serves exactly the full app's GET routes, and needs no token on the same ones", () => {
    const { reader } = apps(PRINCIPALS[0]);
    const gets = describeRoutes().filter((r) => r.method === "GET");
    expect(readerRoutes(reader)).toEqual(gets.map((r) => `GET ${r.path}`).sort());
    expect([...READER_OPEN_PATHS].sort()).toEqual(
      gets
        .filter((r) => r.open)
        .map((r) => r.path)
        .sort(),
    );
  });

  it("stores the OpenAPI document the full app serves (npm run build:openapi when this fails)", async () => {
    const served = await servedOpenApiDocument();
    const stored = readFileSync(resolve(import.meta.dirname, "../../lambdas/api/openapi.json"), "utf8");
    expect(JSON.stringify(JSON.parse(stored)), "run npm run build:openapi").toBe(served);
    const { full, reader } = apps(undefined);
    expect(await answer(reader, "/v1/openapi.json", {})).toEqual(await answer(full, "/v1/openapi.json", {}));
    // The stack's synth-time check (infra/functions.ts) agrees, and notices a stale document.
    expect(storedOpenApiIsCurrent(OPENAPI_DOCUMENT)).toBe(true);
    expect(storedOpenApiIsCurrent({ ...(OPENAPI_DOCUMENT as object), paths: {} })).toBe(false);
  });

  it("answers generated GET requests exactly as the full app does", async () => {
    const id = fc.oneof(
      fc.constantFrom(
        "us_env_1",
        "us_sp_1",
        "sec_01",
        "-",
        "a%2Fb",
        "%E2%82%AC",
        "x".repeat(65),
        "y".repeat(129),
        "tok_x",
      ),
      fc.stringMatching(/^[A-Za-z0-9_%.-]{1,8}$/),
    );
    const path = fc.oneof(
      fc.constantFrom(
        "/v1/health",
        "/v1/whoami",
        "/v1/environments",
        "/v1/spaces",
        "/v1/secrets",
        "/v1/tokens",
        "/v1/audit",
      ),
      id.map((i) => `/v1/environments/${i}`),
      id.map((i) => `/v1/spaces/${i}`),
      id.map((i) => `/v1/secrets/${i}`),
      id.map((i) => `/v1/secrets/${i}/versions`),
      fc.constantFrom("/v1/nope", "/v1/secrets/a/b", "/other"),
    );
    const value = fc.oneof(
      fc.constantFrom(
        "",
        "-",
        "us_env_1",
        "us_sp_1",
        "SLACK_TOKEN",
        "1a",
        "true",
        "false",
        "0",
        "5",
        "0.5",
        "1e20",
        "x".repeat(2049),
        "%20",
      ),
      fc.string({ maxLength: 6 }),
    );
    const pair = fc.tuple(
      fc.constantFrom("environmentId", "spaceId", "name", "reveal", "limit", "cursor", "actorId"),
      value,
    );
    const request = fc.record({
      path,
      query: fc.array(pair, { maxLength: 6 }),
      principal: fc.option(fc.constantFrom(...PRINCIPALS), { nil: undefined, freq: 6 }),
      ifNoneMatch: fc.option(fc.constantFrom('"abc"', "*", 'W/"x", "y"', "e".repeat(4097)), {
        nil: undefined,
      }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ path: p, query, principal, ifNoneMatch }) => {
        const { full, reader } = apps(principal);
        const url = query.length ? `${p}?${new URLSearchParams(query).toString()}` : p;
        const headers: Record<string, string> = ifNoneMatch ? { "if-none-match": ifNoneMatch } : {};
        expect(await answer(reader, url, headers), url).toEqual(await answer(full, url, headers));
      }),
      { numRuns: 600 },
    );
  });
});
