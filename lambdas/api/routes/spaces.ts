import { z } from "@hono/zod-openapi";
import {
  environmentNotFound,
  inEnvironment,
  inScope,
  MANAGERS,
  requireRole,
  requireScope,
  spaceNotFound,
} from "../../core/access.ts";
import { invalid } from "../../core/errors.ts";
import { spaceIdSchema } from "../../core/schemas.ts";
import type { Space } from "../../core/types.ts";
import { auditChange, spaceTarget } from "../audit-helpers.ts";
import type { App, AppContext, AppDeps } from "../context.ts";
import { apiRoute, json, jsonBody } from "../route-helpers.ts";
import {
  CreateSpaceBody,
  DeletedSchema,
  data,
  ListSpacesQuery,
  list,
  RenameBody,
  SpaceSchema,
} from "../schemas.ts";

const SpaceParam = z.object({ spaceId: spaceIdSchema });
const tags = ["spaces"];

export function spaceRoutes(app: App, deps: AppDeps) {
  const { services } = deps;
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

  app.openapi(
    apiRoute({
      method: "post",
      path: "/v1/spaces",
      tags,
      summary: "Create a space in an environment (admin, operator)",
      request: { body: jsonBody(CreateSpaceBody) },
      responses: { 201: json(data(SpaceSchema), "Created"), 409: json(z.any(), "The id is taken") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const p = c.get("principal");
      requireScope(p, { environmentId: body.environmentId });
      requireRole(p, MANAGERS, "create spaces");
      const space = await services.scopes.createSpace(body);
      await services.tokens.revokeScope(
        { environmentId: space.environmentId, spaceId: space.id },
        space.createdAt,
      );
      await auditChange(c, deps, "space.create", spaceTarget(space));
      return c.json({ data: space }, 201);
    },
  );

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/spaces",
      tags,
      summary: "List the spaces of an environment",
      request: { query: ListSpacesQuery },
      responses: { 200: json(list(SpaceSchema), "Spaces") },
    }),
    async (c) => {
      const query = c.req.valid("query");
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
    },
  );

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/spaces/{spaceId}",
      tags,
      summary: "Get a space (admin, operator)",
      request: { params: SpaceParam },
      responses: { 200: json(data(SpaceSchema), "The space") },
    }),
    async (c) => {
      const space = await visibleSpace(c, c.req.valid("param").spaceId);
      requireRole(c.get("principal"), MANAGERS, "read space details");
      return c.json({ data: space }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: "patch",
      path: "/v1/spaces/{spaceId}",
      tags,
      summary: "Rename a space (admin, operator)",
      request: { params: SpaceParam, body: jsonBody(RenameBody) },
      responses: { 200: json(data(SpaceSchema), "Renamed") },
    }),
    async (c) => {
      const { spaceId } = c.req.valid("param");
      await visibleSpace(c, spaceId);
      requireRole(c.get("principal"), MANAGERS, "rename spaces");
      const space = await services.scopes.renameSpace(spaceId, c.req.valid("json").name);
      await auditChange(c, deps, "space.update", spaceTarget(space));
      return c.json({ data: space }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: "delete",
      path: "/v1/spaces/{spaceId}",
      tags,
      summary: "Delete a space (admin, operator); 409 while it has overrides",
      request: { params: SpaceParam },
      responses: { 200: json(data(DeletedSchema), "Deleted"), 409: json(z.any(), "Not empty") },
    }),
    async (c) => {
      const { spaceId } = c.req.valid("param");
      const space = await visibleSpace(c, spaceId);
      requireRole(c.get("principal"), MANAGERS, "delete spaces");
      await services.scopes.deleteSpace(spaceId);
      await services.tokens.revokeScope({ environmentId: space.environmentId, spaceId });
      await auditChange(c, deps, "space.delete", spaceTarget(space));
      return c.json({ data: { id: spaceId, deleted: true as const } }, 200);
    },
  );
}
