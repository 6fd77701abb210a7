import {
  environmentNotFound,
  inEnvironment,
  inScope,
  MANAGERS,
  requireRole,
  spaceNotFound,
} from "../../core/access.ts";
import { invalid } from "../../core/errors.ts";
import type { Space } from "../../core/types.ts";
import type { AppContext, AppDeps } from "../context.ts";
import type { PageInput } from "./secrets.ts";

/** The GET routes of /v1/environments and /v1/spaces, without their schemas (see reads/secrets.ts). */
export function scopeReads({ services }: Pick<AppDeps, "services">) {
  /**
   * The space if the caller may see it; the same 404, after the same work, for missing and out-of-scope:
   * a space-bound token reads nothing for another id, an environment-bound one reads its environment's
   * item only (one keyed read either way), and only an admin looks the id up across environments.
   */
  async function visibleSpace(c: AppContext, spaceId: string): Promise<Space> {
    const p = c.get("principal");
    let space: Space | undefined;
    if (p.role === "admin") space = await services.scopes.getSpace(spaceId);
    else if (p.environmentId && (!p.spaceId || p.spaceId === spaceId))
      space = await services.scopes.getSpaceIn(p.environmentId, spaceId);
    if (!space || !inScope(p, { environmentId: space.environmentId, spaceId })) throw spaceNotFound(spaceId);
    return space;
  }

  /** GET /v1/environments. */
  async function listEnvironments(c: AppContext, query: PageInput) {
    const p = c.get("principal");
    if (p.role === "admin") {
      const page = await services.scopes.listEnvironments(query);
      return c.json({ data: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) }, 200);
    }
    const own = p.environmentId
      ? await services.scopes.getEnvironment(p.environmentId).catch(() => undefined)
      : undefined;
    return c.json({ data: own ? [own] : [] }, 200);
  }

  /** GET /v1/environments/{environmentId}. */
  async function getEnvironment(c: AppContext, environmentId: string) {
    if (!inEnvironment(c.get("principal"), environmentId)) throw environmentNotFound(environmentId);
    return c.json({ data: await services.scopes.getEnvironment(environmentId) }, 200);
  }

  /** GET /v1/spaces. */
  async function listSpaces(c: AppContext, query: PageInput & { environmentId?: string | undefined }) {
    const p = c.get("principal");
    const environmentId = query.environmentId ?? p.environmentId;
    if (!environmentId)
      throw invalid("environmentId", "environmentId is required: /v1/spaces?environmentId=<id>");
    if (!inEnvironment(p, environmentId)) throw environmentNotFound(environmentId);
    if (p.role !== "admin" && p.spaceId) {
      const own = await services.scopes.getSpace(p.spaceId);
      return c.json({ data: own && own.environmentId === environmentId ? [own] : [] }, 200);
    }
    await services.scopes.getEnvironment(environmentId);
    const page = await services.scopes.listSpaces(environmentId, query);
    return c.json({ data: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) }, 200);
  }

  /** GET /v1/spaces/{spaceId}. */
  async function getSpace(c: AppContext, spaceId: string) {
    const space = await visibleSpace(c, spaceId);
    requireRole(c.get("principal"), MANAGERS, "read space details");
    return c.json({ data: space }, 200);
  }

  return { visibleSpace, listEnvironments, getEnvironment, listSpaces, getSpace };
}
