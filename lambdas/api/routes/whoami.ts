import type { App } from "../context.ts";
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
    (c) => {
      const p = c.get("principal");
      return c.json(
        {
          data: {
            tokenId: p.tokenId,
            name: p.name,
            role: p.role,
            environmentId: p.environmentId ?? null,
            spaceId: p.spaceId ?? null,
          },
        },
        200,
      );
    },
  );
}
