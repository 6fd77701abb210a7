import { OpenAPIHono } from "@hono/zod-openapi";
import type { App, AppDeps, AppEnv } from "./context.ts";
import { health, installFallbacks, installMiddleware } from "./middleware.ts";
import { json, openRoute } from "./route-helpers.ts";
import { auditRoutes } from "./routes/audit.ts";
import { AWS_LOGIN_PATH, awsLoginRoutes } from "./routes/auth-aws.ts";
import { awsIdentityRoutes } from "./routes/aws-identities.ts";
import { environmentRoutes } from "./routes/environments.ts";
import { secretRoutes } from "./routes/secrets.ts";
import { spaceRoutes } from "./routes/spaces.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { whoamiRoutes } from "./routes/whoami.ts";
import { HealthSchema } from "./schemas.ts";
import { defaultHook } from "./validation.ts";

/** Paths that need no token. Everything else under /v1 is authorized before its handler runs. */
export const OPEN_PATHS = new Set(["/v1/health", "/v1/openapi.json", AWS_LOGIN_PATH]);

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "scoped-secrets",
    version: "1",
    description:
      "Scoped, envelope-encrypted secrets: environments, spaces that inherit and override, agent reads.",
  },
};

/** What GET /v1/openapi.json is generated with. */
export const OPENAPI_SERVED = { ...OPENAPI_INFO, servers: [{ url: "/" }] };

/**
 * The whole HTTP API as one fetch-style app. Entry points (Lambda, the local server) differ only in
 * how they establish the principal and where they send log lines.
 */
export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

  installMiddleware(app, deps, OPEN_PATHS);

  app.openapi(
    openRoute({
      method: "get",
      path: "/v1/health",
      tags: ["meta"],
      summary: "Liveness; needs no token",
      responses: { 200: json(HealthSchema, "Healthy") },
    }),
    (c) => c.json(health(deps), 200),
  );

  environmentRoutes(app, deps);
  spaceRoutes(app, deps);
  secretRoutes(app, deps);
  tokenRoutes(app, deps);
  auditRoutes(app, deps);
  whoamiRoutes(app);
  awsIdentityRoutes(app, deps);
  awsLoginRoutes(app, deps);

  app.doc31("/v1/openapi.json", OPENAPI_SERVED);
  // doc31 registers itself through the router, not the registry: mark it open for the route table.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/openapi.json",
    tags: ["meta"],
    summary: "This document; needs no token",
    security: [],
    responses: { 200: { description: "OpenAPI 3.1 document" } },
  });

  installFallbacks(app, deps);
  return app;
}
