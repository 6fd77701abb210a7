import { Hono } from "hono";
import type { AppContext, AppDeps, AppEnv } from "./context.ts";
import { health, installFallbacks, installMiddleware } from "./middleware.ts";
import { adminReads, whoami } from "./reads/admin.ts";
import { awsIdentityReads } from "./reads/aws-identities.ts";
import {
  checkEnvironmentParam,
  checkIfNoneMatch,
  checkListAuditQuery,
  checkListSecretsQuery,
  checkListSpacesQuery,
  checkPageQuery,
  checkRevealQuery,
  checkSecretParam,
  checkSpaceParam,
} from "./reads/checks.ts";
import { scopeReads } from "./reads/scopes.ts";
import { secretReads } from "./reads/secrets.ts";
import { type ValidationIssue, validationError } from "./validation.ts";

/** The reader's paths that need no token: the open GET routes of the full app (a test compares them). */
export const READER_OPEN_PATHS: ReadonlySet<string> = new Set(["/v1/health", "/v1/openapi.json"]);

type Check<T> = (
  input: Record<string, unknown>,
) => { success: true; data: T } | { success: false; error: { issues: ValidationIssue[] } };

// What hono's validator hands a schema for each target, and the name our error body gives it (validation.ts).
const INPUTS = {
  query: {
    name: "query",
    read: (c: AppContext) =>
      Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v])),
  },
  param: { name: "path", read: (c: AppContext) => c.req.param() as Record<string, string> },
  header: { name: "header", read: (c: AppContext) => c.req.header() },
} as const;

/** The validated input, or the same 400 the full app's zod validator answers (thrown to the one error handler). */
function valid<T>(c: AppContext, target: keyof typeof INPUTS, check: Check<T>): T {
  const result = check(INPUTS[target].read(c));
  if (!result.success) throw validationError(result.error, INPUTS[target].name);
  return result.data;
}

/**
 * Every GET route of the API, for the reader function, without zod: the same middleware (middleware.ts),
 * the same handlers (api/reads/), input checked by api/reads/checks.ts in the order the full app's
 * validators run (query, then path, then headers), and the stored OpenAPI document. The full app
 * (app.ts) stays the reference: test/unit/reader-app.test.ts checks both answer alike.
 */
export function createReaderApp(deps: AppDeps, openapiDocument: unknown): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  installMiddleware(app, deps, READER_OPEN_PATHS);
  const secrets = secretReads(deps);
  const scopes = scopeReads(deps);
  const admin = adminReads(deps);
  const awsIdentities = awsIdentityReads(deps);

  app.get("/v1/health", (c) => c.json(health(deps), 200));
  app.get("/v1/environments", (c) => scopes.listEnvironments(c, valid(c, "query", checkPageQuery)));
  app.get("/v1/environments/:environmentId", (c) =>
    scopes.getEnvironment(c, valid(c, "param", checkEnvironmentParam).environmentId),
  );
  app.get("/v1/spaces", (c) => scopes.listSpaces(c, valid(c, "query", checkListSpacesQuery)));
  app.get("/v1/spaces/:spaceId", (c) => scopes.getSpace(c, valid(c, "param", checkSpaceParam).spaceId));
  app.get("/v1/secrets", (c) => {
    const query = valid(c, "query", checkListSecretsQuery);
    return secrets.list(c, query, valid(c, "header", checkIfNoneMatch));
  });
  app.get("/v1/secrets/:secretId", (c) => {
    const query = valid(c, "query", checkRevealQuery);
    return secrets.get(c, valid(c, "param", checkSecretParam).secretId, query);
  });
  app.get("/v1/secrets/:secretId/versions", (c) => {
    const query = valid(c, "query", checkPageQuery);
    return secrets.versions(c, valid(c, "param", checkSecretParam).secretId, query);
  });
  app.get("/v1/tokens", (c) => admin.listTokens(c, valid(c, "query", checkPageQuery)));
  app.get("/v1/audit", (c) => admin.listAudit(c, valid(c, "query", checkListAuditQuery)));
  app.get("/v1/whoami", whoami);
  app.get("/v1/aws-identities", (c) => awsIdentities.list(c, valid(c, "query", checkPageQuery)));
  app.get("/v1/openapi.json", (c) => c.json(openapiDocument as object));

  installFallbacks(app, deps);
  return app;
}

/** The reader's routes as method and OpenAPI path, for the test that compares them with the route table. */
export function readerRoutes(app: Hono<AppEnv>): string[] {
  return [
    ...new Set(
      app.routes
        .filter((r) => r.method === "GET" && !r.path.includes("*"))
        .map((r) => `GET ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    ),
  ].sort();
}
