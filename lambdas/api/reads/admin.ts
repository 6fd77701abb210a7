import {
  ADMIN,
  environmentNotFound,
  inEnvironment,
  MANAGERS,
  requireRole,
  spaceNotFound,
} from "../../core/access.ts";
import type { TokenRecord } from "../../core/types.ts";
import type { AppContext, AppDeps } from "../context.ts";
import type { PageInput } from "./secrets.ts";

/** The GET routes of /v1/tokens, /v1/audit and /v1/whoami, without their schemas (see reads/secrets.ts). */

/** The public view of a token: never the token string or its hash. */
export const tokenView = (t: TokenRecord) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  environmentId: t.environmentId ?? null,
  spaceId: t.spaceId ?? null,
  expiresAt: t.expiresAt ?? null,
  createdAt: t.createdAt,
  createdBy: t.createdBy,
  lastUsedAt: t.lastUsedAt ?? null,
  revokedAt: t.revokedAt ?? null,
});

export function adminReads({ services }: Pick<AppDeps, "services">) {
  /** GET /v1/tokens. */
  async function listTokens(c: AppContext, query: PageInput) {
    requireRole(c.get("principal"), ADMIN, "manage tokens");
    const page = await services.tokens.list(query);
    return c.json({ data: page.items.map(tokenView), ...(page.cursor ? { cursor: page.cursor } : {}) }, 200);
  }

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

  /** GET /v1/audit. */
  async function listAudit(c: AppContext, q: PageInput & { environmentId?: string | undefined }) {
    const p = c.get("principal");
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
  }

  return { listTokens, listAudit };
}

/** GET /v1/whoami: the caller's own principal. */
export function whoami(c: AppContext) {
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
}
