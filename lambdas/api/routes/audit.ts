import {
  environmentNotFound,
  inEnvironment,
  MANAGERS,
  requireRole,
  spaceNotFound,
} from "../../core/access.ts";
import type { App, AppDeps } from "../context.ts";
import { apiRoute, json } from "../route-helpers.ts";
import { AuditEventSchema, ListAuditQuery, list } from "../schemas.ts";

export function auditRoutes(app: App, { services }: AppDeps) {
  /**
   * When the scope was created: a scope re-created under an old id sees none of the earlier one's events.
   * An admin asking about an id that no longer exists reads its whole history (who deleted it, and when).
   */
  async function scopeCreatedAt(environmentId: string, spaceId: string | undefined, admin: boolean) {
    if (spaceId) {
      const space = await services.scopes.getSpace(spaceId);
      if (!space || space.environmentId !== environmentId) throw spaceNotFound(spaceId);
      return space.createdAt;
    }
    const env = await services.scopes.getEnvironmentIfAny(environmentId);
    if (!env && !admin) throw environmentNotFound(environmentId);
    return env?.createdAt;
  }

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
      // A space-bound token reads its space's own partition: pages and cursors hold nothing of its siblings.
      const spaceId = p.role !== "admin" ? p.spaceId : undefined;
      const since = environmentId
        ? await scopeCreatedAt(environmentId, spaceId, p.role === "admin")
        : undefined;
      const page = await services.audit.list({ environmentId, spaceId, since }, q);
      return c.json({ data: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) }, 200);
    },
  );
}
