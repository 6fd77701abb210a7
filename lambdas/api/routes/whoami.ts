import type { App } from "../context.ts";
import { whoami } from "../reads/admin.ts";
import { apiRoute, json } from "../route-helpers.ts";
import { data, WhoAmISchema } from "../schemas.ts";

/** The caller's own principal: lets a UI or script learn its role and scope without probing routes. */
export function whoamiRoutes(app: App) {
  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/whoami",
      tags: ["meta"],
      summary: "The calling token's id, name, role and scope (every role)",
      responses: { 200: json(data(WhoAmISchema), "The caller") },
    }),
    whoami,
  );
}
