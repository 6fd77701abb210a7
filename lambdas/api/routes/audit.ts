import type { App, AppDeps } from "../context.ts";
import { adminReads } from "../reads/admin.ts";
import { apiRoute, json } from "../route-helpers.ts";
import { AuditEventSchema, ListAuditQuery, list } from "../schemas.ts";

export function auditRoutes(app: App, deps: AppDeps) {
  const reads = adminReads(deps);
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
    (c) => reads.listAudit(c, c.req.valid("query")),
  );
}
