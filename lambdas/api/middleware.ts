import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { AppError } from "../core/errors.ts";
import { LIMITS } from "../core/limits.ts";
import type { AppDeps, AppEnv } from "./context.ts";
import { errorResponse, payloadTooLarge, STATUS, toAppError } from "./http-errors.ts";

/**
 * What every request goes through before and after its route, in one zod-free module: the full app
 * (api/app.ts) and the reader function's app (api/reader-app.ts) install the very same chain.
 */

/** The matched route as an OpenAPI-style pattern (/v1/secrets/{secretId}): ids never reach log lines. */
const routeLabel = (routePath: string) =>
  routePath === "/*" || routePath === "*" || routePath === "/v1/*"
    ? "(unmatched)"
    : routePath.replace(/:(\w+)/g, "{$1}");

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH"]);
const BODILESS = new Set(["GET", "HEAD"]);

/** Request id and log line, CORS, the JSON content type and body limit for writes, then authorization. */
export function installMiddleware(app: Hono<AppEnv>, deps: AppDeps, openPaths: ReadonlySet<string>): void {
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
    if (openPaths.has(c.req.path)) return next();
    // Anything behind a token may carry a value or a token: no browser, proxy or CDN may keep a copy.
    c.header("Cache-Control", "no-store");
    c.set("principal", await deps.principalOf(c));
    await next();
  });
}

/** The 404 for unknown routes and the one place an error becomes a response. */
export function installFallbacks(app: Hono<AppEnv>, deps: AppDeps): void {
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
}

/** GET /v1/health's body. */
export const health = (deps: AppDeps) => ({ ok: true as const, version: deps.version });
