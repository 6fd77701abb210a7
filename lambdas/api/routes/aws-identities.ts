import { z } from "@hono/zod-openapi";
import { ADMIN, requireRole } from "../../core/access.ts";
import type { AwsIdentityBinding } from "../../core/aws-auth-ports.ts";
import { AppError } from "../../core/errors.ts";
import { auditChange } from "../audit-helpers.ts";
import { AwsIdentitySchema, CreateAwsIdentityBody } from "../aws-auth-schemas.ts";
import type { App, AppDeps } from "../context.ts";
import { apiRoute, json, jsonBody } from "../route-helpers.ts";
import { data, list, PageQuery } from "../schemas.ts";

const IdParam = z.object({ awsIdentityId: z.string().min(1).max(128) });
const tags = ["aws-identities"];

/** The public view of a binding (its scope's creation times stay inside). */
export const awsIdentityView = (b: AwsIdentityBinding) => ({
  id: b.id,
  name: b.name,
  principalArn: b.principalArn,
  canonicalArn: b.canonicalArn,
  role: b.role,
  environmentId: b.environmentId,
  spaceId: b.spaceId ?? null,
  tokenTtlSeconds: b.tokenTtlSeconds,
  createdAt: b.createdAt,
  createdBy: b.createdBy,
});

const target = (b: AwsIdentityBinding) => ({
  type: "aws-identity",
  id: b.id,
  name: b.canonicalArn,
  environmentId: b.environmentId,
  spaceId: b.spaceId,
});

/** Bindings of IAM roles to a role and scope: admin only, audited like tokens. */
export function awsIdentityRoutes(app: App, deps: AppDeps) {
  const service = () => {
    const s = deps.services.awsIdentities;
    if (!s)
      throw new AppError("unavailable", "AWS identities are not configured on this server", { key: "" });
    return s;
  };
  app.openapi(
    apiRoute({
      method: "post",
      path: "/v1/aws-identities",
      tags,
      summary: "Bind an IAM role to a role (agent or operator) and a scope (admin)",
      request: { body: jsonBody(CreateAwsIdentityBody) },
      responses: { 201: json(data(AwsIdentitySchema), "Bound") },
    }),
    async (c) => {
      const p = c.get("principal");
      requireRole(p, ADMIN, "manage AWS identities");
      const binding = await service().create({ ...c.req.valid("json"), createdBy: p.tokenId });
      await auditChange(c, deps, "aws-identity.create", target(binding), `role ${binding.role}`);
      return c.json({ data: awsIdentityView(binding) }, 201);
    },
  );

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/aws-identities",
      tags,
      summary: "List AWS identity bindings (admin)",
      request: { query: PageQuery },
      responses: { 200: json(list(AwsIdentitySchema), "Bindings") },
    }),
    async (c) => {
      requireRole(c.get("principal"), ADMIN, "manage AWS identities");
      const page = await service().list(c.req.valid("query"));
      return c.json(
        { data: page.items.map(awsIdentityView), ...(page.cursor ? { cursor: page.cursor } : {}) },
        200,
      );
    },
  );

  app.openapi(
    apiRoute({
      method: "delete",
      path: "/v1/aws-identities/{awsIdentityId}",
      tags,
      summary: "Delete a binding (admin): no new logins; tokens already issued expire on their own",
      request: { params: IdParam },
      responses: { 200: json(data(AwsIdentitySchema), "Deleted") },
    }),
    async (c) => {
      requireRole(c.get("principal"), ADMIN, "manage AWS identities");
      const binding = await service().delete(c.req.valid("param").awsIdentityId);
      await auditChange(c, deps, "aws-identity.delete", target(binding));
      return c.json({ data: awsIdentityView(binding) }, 200);
    },
  );
}
