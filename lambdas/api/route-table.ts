import { createApp, OPENAPI_INFO, OPENAPI_SERVED } from "./app.ts";
import type { App, Services } from "./context.ts";

export interface RouteEntry {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** OpenAPI/API Gateway style: /v1/secrets/{secretId} */
  path: string;
  /** No Authorization needed (health, the OpenAPI document). */
  open: boolean;
}

/**
 * The app's routes, read from its OpenAPI document: the single source of truth the CDK stack turns
 * into API Gateway routes, so adding a route to the app adds it to the cloud.
 */
export function routeTable(app: App): RouteEntry[] {
  const doc = app.getOpenAPI31Document(OPENAPI_INFO);
  const routes: RouteEntry[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ["get", "post", "put", "patch", "delete"] as const) {
      const op = (item as Record<string, { security?: unknown[] } | undefined>)[method];
      if (!op) continue;
      routes.push({
        method: method.toUpperCase() as RouteEntry["method"],
        path,
        open: (op.security ?? []).length === 0,
      });
    }
  }
  return routes.sort((a, b) => (a.path + a.method).localeCompare(b.path + b.method));
}

/**
 * The route table of the app itself, built with inert dependencies (nothing is served): what infra/ turns
 * into API Gateway routes.
 */
export function describeRoutes(): RouteEntry[] {
  return routeTable(inertApp());
}

/**
 * The body of `GET /v1/openapi.json` as the full app serves it: what scripts/build-openapi.ts stores in
 * api/openapi.json for the reader function, which serves it without zod.
 */
export async function servedOpenApiDocument(): Promise<string> {
  const res = await inertApp().request("/v1/openapi.json");
  if (res.status !== 200) throw new Error(`GET /v1/openapi.json answered ${res.status}`);
  return res.text();
}

/**
 * True when the document stored for the reader function (api/openapi.json, read by api/openapi-document.ts)
 * is the one the app generates, byte for byte as served: the stack refuses to synthesize otherwise.
 */
export function storedOpenApiIsCurrent(stored: unknown): boolean {
  return JSON.stringify(inertApp().getOpenAPI31Document(OPENAPI_SERVED)) === JSON.stringify(stored);
}

function inertApp(): App {
  const inert = () => Promise.reject(new Error("this app is built for its routes and document only"));
  return createApp({ services: {} as Services, principalOf: inert, version: "0.0.0" });
}
