import { z } from "@hono/zod-openapi";
import { MANAGERS, requireRole, requireScope } from "../../core/access.ts";
import { spaceIdSchema } from "../../core/schemas.ts";
import { auditChange, spaceTarget } from "../audit-helpers.ts";
import type { App, AppDeps } from "../context.ts";
import { scopeReads } from "../reads/scopes.ts";
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
  const reads = scopeReads(deps);
  const { visibleSpace } = reads;

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
    (c) => reads.listSpaces(c, c.req.valid("query")),
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
    (c) => reads.getSpace(c, c.req.valid("param").spaceId),
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
