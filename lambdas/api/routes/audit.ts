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
      summary: "Who changed or revealed what, newest first; never values (admin, operator)",
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
      return c.json({ data: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) }, 200);
    },
  );
}
