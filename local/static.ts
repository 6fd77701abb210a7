import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import type { App } from "../lambdas/api/context.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
};

/** Serves the built admin UI at / (files only from webDir; unknown non-API paths get index.html). */
export function serveStatic(app: App, webDir: string) {
  const root = normalize(webDir) + sep;
  app.get("/*", (c, next) => {
    if (c.req.path.startsWith("/v1/") || c.req.path === "/v1") return next();
    const rel = c.req.path === "/" ? "index.html" : decodeURIComponent(c.req.path.slice(1));
    let file = normalize(join(root, rel));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile())
      file = join(root, "index.html");
    if (!existsSync(file)) return next();
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    return c.body(readFileSync(file), 200, {
      "content-type": type,
      "cache-control": type.startsWith("text/html") ? "no-store" : "public, max-age=300",
      "content-security-policy":
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
  });
}
