import { z } from "@hono/zod-openapi";
import { ADMIN, requireRole } from "../../core/access.ts";
import { auditChange, tokenTarget } from "../audit-helpers.ts";
import type { App, AppDeps } from "../context.ts";
import { adminReads, tokenView } from "../reads/admin.ts";
import { apiRoute, json, jsonBody } from "../route-helpers.ts";
import { CreatedTokenSchema, CreateTokenBody, data, list, PageQuery, TokenSchema } from "../schemas.ts";

const TokenParam = z.object({ tokenId: z.string().min(1).max(128) });
const tags = ["tokens"];

/** The public view of a token (reads/admin.ts). */
export { tokenView };

export function tokenRoutes(app: App, deps: AppDeps) {
  const { services } = deps;
  const reads = adminReads(deps);
  app.openapi(
    apiRoute({
      method: "post",
      path: "/v1/tokens",
      tags,
      summary: "Create a token (admin); the token string is in this response only",
      request: { body: jsonBody(CreateTokenBody) },
      responses: { 201: json(data(CreatedTokenSchema), "Created") },
    }),
    async (c) => {
      const p = c.get("principal");
      requireRole(p, ADMIN, "manage tokens");
      const { record, token } = await services.tokens.create({
        ...c.req.valid("json"),
        createdBy: p.tokenId,
      });
      await auditChange(c, deps, "token.create", tokenTarget(record), `role ${record.role}`);
      c.header("Cache-Control", "no-store");
      return c.json({ data: { ...tokenView(record), token } }, 201);
    },
  );

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/tokens",
      tags,
      summary: "List tokens without their token strings (admin)",
      request: { query: PageQuery },
      responses: { 200: json(list(TokenSchema), "Tokens") },
    }),
    (c) => reads.listTokens(c, c.req.valid("query")),
  );

  app.openapi(
    apiRoute({
      method: "delete",
      path: "/v1/tokens/{tokenId}",
      tags,
      summary: "Revoke a token (admin)",
      request: { params: TokenParam },
      responses: { 200: json(data(TokenSchema), "Revoked") },
    }),
    async (c) => {
      requireRole(c.get("principal"), ADMIN, "manage tokens");
      const record = await services.tokens.revoke(c.req.valid("param").tokenId);
      await auditChange(c, deps, "token.revoke", tokenTarget(record));
      return c.json({ data: tokenView(record) }, 200);
    },
  );
}
