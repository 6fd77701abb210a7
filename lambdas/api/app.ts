import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { AppError } from "../core/errors.ts";
import { LIMITS } from "../core/schemas.ts";
import type { App, AppDeps, AppEnv } from "./context.ts";
import { errorResponse, payloadTooLarge, STATUS, toAppError } from "./http-errors.ts";
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

/** The matched route as an OpenAPI-style pattern (/v1/secrets/{secretId}): ids never reach log lines. */
const routeLabel = (routePath: string) =>
  routePath === "/*" || routePath === "*" || routePath === "/v1/*"
    ? "(unmatched)"
    : routePath.replace(/:(\w+)/g, "{$1}");

/** Paths that need no token. Everything else under /v1 is authorized before its handler runs. */
export const OPEN_PATHS = new Set(["/v1/health", "/v1/openapi.json", AWS_LOGIN_PATH]);
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH"]);
const BODILESS = new Set(["GET", "HEAD"]);

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "scoped-secrets",
    version: "1",
    description:
      "Scoped, envelope-encrypted secrets: environments, spaces that inherit and override, agent reads.",
  },
};

/**
 * The whole HTTP API as one fetch-style app. Entry points (Lambda, the local server) differ only in
 * how they establish the principal and where they send log lines.
 */
export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

  app.use("*", async (c, next) => {
    const started = performance.now();
    // randomUUID draws from a pooled entropy buffer; a ULID here cost 16 crypto calls per request.
    c.set("requestId", c.env?.event?.requestContext?.requestId ?? randomUUID());
    c.header("x-request-id", c.get("requestId"));
    try {
      await next();
    } finally {
      deps.log?.({
        requestId: c.get("requestId"),
        method: c.req.method,
        route: routeLabel(c.req.routePath),
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        tokenId: c.var.principal?.tokenId,
      });
    }
  });
  if (deps.corsOrigin) {
    app.use(
      "/v1/*",
      cors({
        origin: deps.corsOrigin,
        allowHeaders: ["Authorization", "Content-Type", "If-Match", "If-None-Match"],
        exposeHeaders: ["ETag"],
        allowMethods: ["GET", "POST", "PATCH", "DELETE"],
        maxAge: 600,
      }),
    );
  }

  app.use("/v1/*", async (c, next) => {
    if (WRITE_METHODS.has(c.req.method)) {
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/json\b/i.test(type.trim())) {
        throw new AppError(
          "unsupported_media_type",
          "send the body as JSON with Content-Type: application/json",
          {
            key: "Content-Type",
          },
        );
      }
    }
    await next();
  });
  const limitBody = bodyLimit({
    maxSize: LIMITS.bodyMaxBytes,
    onError: (c) => errorResponse(c, payloadTooLarge()),
  });
  // GET and HEAD bodies are never read; asking for one makes the node adapter build a full Request per call.
  app.use("/v1/*", (c, next) => (BODILESS.has(c.req.method) ? next() : limitBody(c, next)));
  app.use("/v1/*", async (c, next) => {
    if (OPEN_PATHS.has(c.req.path)) return next();
    // Anything behind a token may carry a value or a token: no browser, proxy or CDN may keep a copy.
    c.header("Cache-Control", "no-store");
    c.set("principal", await deps.principalOf(c));
    await next();
  });

  app.openapi(
    openRoute({
      method: "get",
      path: "/v1/health",
      tags: ["meta"],
      summary: "Liveness; needs no token",
      responses: { 200: json(HealthSchema, "Healthy") },
    }),
    (c) => c.json({ ok: true as const, version: deps.version }, 200),
  );

  environmentRoutes(app, deps);
  spaceRoutes(app, deps);
  secretRoutes(app, deps);
  tokenRoutes(app, deps);
  auditRoutes(app, deps);
  whoamiRoutes(app);
  awsIdentityRoutes(app, deps);
  awsLoginRoutes(app, deps);

  app.doc31("/v1/openapi.json", { ...OPENAPI_INFO, servers: [{ url: "/" }] });
  // doc31 registers itself through the router, not the registry: mark it open for the route table.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/openapi.json",
    tags: ["meta"],
    summary: "This document; needs no token",
    security: [],
    responses: { 200: { description: "OpenAPI 3.1 document" } },
  });

  app.notFound((c) =>
    errorResponse(
      c,
      new AppError("not_found", `no route ${c.req.method} ${c.req.path}; see /v1/openapi.json for the API`, {
        key: "path",
      }),
    ),
  );
  app.onError((e, c) => {
    const error = toAppError(e);
    if (STATUS[error.code] >= 500) deps.logError?.(c.get("requestId"), e);
    return errorResponse(c, error);
  });
  return app;
}
