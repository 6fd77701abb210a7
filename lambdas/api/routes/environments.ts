import { z } from "@hono/zod-openapi";
import { ADMIN, environmentNotFound, inEnvironment, requireRole } from "../../core/access.ts";
import { environmentIdSchema } from "../../core/schemas.ts";
import { auditChange, envTarget } from "../audit-helpers.ts";
import type { App, AppDeps } from "../context.ts";
import { scopeReads } from "../reads/scopes.ts";
import { apiRoute, json, jsonBody } from "../route-helpers.ts";
import {
  CreateEnvironmentBody,
  DeletedSchema,
  data,
  EnvironmentSchema,
  list,
  PageQuery,
  RenameBody,
} from "../schemas.ts";

const EnvParam = z.object({ environmentId: environmentIdSchema });
const tags = ["environments"];

export function environmentRoutes(app: App, deps: AppDeps) {
  const { services } = deps;
  const reads = scopeReads(deps);
  app.openapi(
    apiRoute({
      method: "post",
      path: "/v1/environments",
      tags,
      summary: "Create an environment (admin)",
      request: { body: jsonBody(CreateEnvironmentBody) },
      responses: { 201: json(data(EnvironmentSchema), "Created"), 409: json(z.any(), "The id is taken") },
    }),
    async (c) => {
      requireRole(c.get("principal"), ADMIN, "create environments");
      const env = await services.scopes.createEnvironment(c.req.valid("json"));
      // A token of an earlier environment of this id that its deletion missed is revoked now.
      await services.tokens.revokeScope({ environmentId: env.id }, env.createdAt);
      await auditChange(c, deps, "environment.create", envTarget(env.id, env.name));
      return c.json({ data: env }, 201);
    },
  );

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/environments",
      tags,
      summary: "List environments (non-admin tokens see their own)",
      request: { query: PageQuery },
      responses: { 200: json(list(EnvironmentSchema), "Environments") },
    }),
    (c) => reads.listEnvironments(c, c.req.valid("query")),
  );

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/environments/{environmentId}",
      tags,
      summary: "Get an environment",
      request: { params: EnvParam },
      responses: { 200: json(data(EnvironmentSchema), "The environment") },
    }),
    (c) => reads.getEnvironment(c, c.req.valid("param").environmentId),
  );

  app.openapi(
    apiRoute({
      method: "patch",
      path: "/v1/environments/{environmentId}",
      tags,
      summary: "Rename an environment (admin)",
      request: { params: EnvParam, body: jsonBody(RenameBody) },
      responses: { 200: json(data(EnvironmentSchema), "Renamed") },
    }),
    async (c) => {
      const { environmentId } = c.req.valid("param");
      const p = c.get("principal");
      if (!inEnvironment(p, environmentId)) throw environmentNotFound(environmentId);
      requireRole(p, ADMIN, "rename environments");
      const env = await services.scopes.renameEnvironment(environmentId, c.req.valid("json").name);
      await auditChange(c, deps, "environment.update", envTarget(env.id, env.name));
      return c.json({ data: env }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: "delete",
      path: "/v1/environments/{environmentId}",
      tags,
      summary: "Delete an empty environment (admin); 409 while it has spaces or secrets",
      request: { params: EnvParam },
      responses: { 200: json(data(DeletedSchema), "Deleted"), 409: json(z.any(), "Not empty") },
    }),
    async (c) => {
      const { environmentId } = c.req.valid("param");
      const p = c.get("principal");
      if (!inEnvironment(p, environmentId)) throw environmentNotFound(environmentId);
      requireRole(p, ADMIN, "delete environments");
      await services.scopes.deleteEnvironment(environmentId);
      await services.tokens.revokeScope({ environmentId });
      await auditChange(c, deps, "environment.delete", envTarget(environmentId));
      return c.json({ data: { id: environmentId, deleted: true as const } }, 200);
    },
  );
}
