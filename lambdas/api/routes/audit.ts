import { environmentNotFound, inEnvironment, MANAGERS, requireRole } from "../../core/access.ts";
import type { App, AppDeps } from "../context.ts";
import { apiRoute, json } from "../route-helpers.ts";
import { AuditEventSchema, ListAuditQuery, list } from "../schemas.ts";

export function auditRoutes(app: App, { services }: AppDeps) {
  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/audit",
      tags: ["audit"],
      summary:
        "Who changed or revealed what, newest first; never values (admin, operator; a space-bound token sees its space's events)",
      request: { query: ListAuditQuery },
      responses: { 200: json(list(AuditEventSchema), "Audit events") },
    }),
    async (c) => {
      const p = c.get("principal");
      const q = c.req.valid("query");
      // Admins without environmentId see events outside any environment (tokens of admins, for instance).
      const environmentId = q.environmentId ?? p.environmentId;
      if (environmentId && !inEnvironment(p, environmentId)) throw environmentNotFound(environmentId);
      requireRole(p, MANAGERS, "read the audit log");
      const page = await services.audit.list(environmentId, q);
      // A space-bound token sees its own space's events only, as it sees only that space everywhere else.
      const items =
        p.role !== "admin" && p.spaceId
          ? page.items.filter((e) => e.target.spaceId === p.spaceId)
          : page.items;
      return c.json({ data: items, ...(page.cursor ? { cursor: page.cursor } : {}) }, 200);
    },
  );
}
