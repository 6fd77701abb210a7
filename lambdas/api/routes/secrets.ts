import { z } from "@hono/zod-openapi";
import { MANAGERS, requireRole, requireScope } from "../../core/access.ts";
import { invalid } from "../../core/errors.ts";
import type { Scope } from "../../core/types.ts";
import { auditChange, scopeTarget } from "../audit-helpers.ts";
import type { App, AppDeps } from "../context.ts";
import { named, secretReads } from "../reads/secrets.ts";
import { apiRoute, json, jsonBody } from "../route-helpers.ts";
import {
  DeletedSchema,
  data,
  ListSecretsQuery,
  list,
  PageQuery,
  RevealQuery,
  RollbackBody,
  SecretSchema,
  SetSecretBody,
  VersionSchema,
} from "../schemas.ts";

const SecretParam = z.object({ secretId: z.string().min(1).max(128) });
const IfMatch = z.object({ "if-match": z.string().max(32).optional() });
const IfNoneMatch = z.object({
  "if-none-match": z
    .string()
    .max(4096)
    .optional()
    .openapi({ description: 'ETags from earlier reads, e.g. "abc", W/"abc" or *: 304 when one matches' }),
});
const EtagHeader = {
  ETag: {
    description: "Changes whenever anything this caller would see changes; send it back in If-None-Match",
    schema: { type: "string" as const },
  },
};
const tags = ["secrets"];

/** `If-Match: 3` or `If-Match: "3"` → 3; the body's expectedVersion wins when both are sent. */
function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(header);
  if (!m) throw invalid("If-Match", 'If-Match must be the version number you read, e.g. If-Match: "3"');
  return Number(m[1]);
}

export function secretRoutes(app: App, deps: AppDeps) {
  const { services } = deps;
  const reads = secretReads(deps);
  const { visibleSecret } = reads;

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/secrets",
      tags,
      summary:
        "Effective secrets of a scope (environment values with the space's overrides applied); with name, exactly one",
      request: { query: ListSecretsQuery, headers: IfNoneMatch },
      responses: {
        200: { ...json(list(SecretSchema), "Effective secrets"), headers: EtagHeader },
        304: {
          description:
            "Not modified: If-None-Match matched the current ETag; no body, nothing decrypted, no reveal audited",
          headers: EtagHeader,
        },
      },
    }),
    (c) => reads.list(c, c.req.valid("query"), c.req.valid("header")),
  );

  app.openapi(
    apiRoute({
      method: "post",
      path: "/v1/secrets",
      tags,
      summary:
        "Create or update a secret at a scope (admin, operator); a space value overrides the environment's",
      request: { body: jsonBody(SetSecretBody), headers: IfMatch },
      responses: {
        200: json(data(SecretSchema), "Updated"),
        201: json(data(SecretSchema), "Created"),
        412: json(z.any(), "expectedVersion did not match"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const p = c.get("principal");
      const scope: Scope = body.spaceId
        ? { environmentId: body.environmentId, spaceId: body.spaceId }
        : { environmentId: body.environmentId };
      requireScope(p, scope);
      requireRole(p, MANAGERS, "write secrets");
      const expectedVersion = body.expectedVersion ?? ifMatchVersion(c.req.valid("header")["if-match"]);
      const { secret, created } = await services.secrets.set({
        scope,
        name: body.name,
        value: body.value,
        expectedVersion,
        actor: p.tokenId,
        actorName: p.name,
        // Written while the change event is published, not after it.
        alongside: (w) =>
          auditChange(
            c,
            deps,
            w.created ? "secret.create" : "secret.update",
            scopeTarget(w.secret),
            `version ${w.secret.version}`,
          ),
      });
      return c.json({ data: named(p, secret) }, created ? 201 : 200);
    },
  );

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/secrets/{secretId}",
      tags,
      summary: "One stored secret (the value at its own scope; values for admin and agent)",
      request: { params: SecretParam, query: RevealQuery },
      responses: { 200: json(data(SecretSchema), "The secret") },
    }),
    (c) => reads.get(c, c.req.valid("param").secretId, c.req.valid("query")),
  );

  app.openapi(
    apiRoute({
      method: "delete",
      path: "/v1/secrets/{secretId}",
      tags,
      summary:
        "Remove the value at its scope (admin, operator); history is kept; a removed override lets the environment value show",
      request: { params: SecretParam, headers: IfMatch },
      responses: { 200: json(data(DeletedSchema), "Deleted"), 412: json(z.any(), "If-Match did not match") },
    }),
    async (c) => {
      const { secretId } = c.req.valid("param");
      const p = c.get("principal");
      const stored = await visibleSecret(c, secretId);
      requireRole(p, MANAGERS, "delete secrets");
      const { version } = await services.secrets.delete(
        stored.id,
        p.tokenId,
        ifMatchVersion(c.req.valid("header")["if-match"]),
        p.name,
        (w) => auditChange(c, deps, "secret.delete", scopeTarget(stored), `version ${w.version}`),
      );
      return c.json({ data: { id: stored.id, deleted: true as const, version } }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: "get",
      path: "/v1/secrets/{secretId}/versions",
      tags,
      summary: "Version history, newest first, without values (admin, operator)",
      request: { params: SecretParam, query: PageQuery },
      responses: { 200: json(list(VersionSchema), "Versions") },
    }),
    (c) => reads.versions(c, c.req.valid("param").secretId, c.req.valid("query")),
  );

  app.openapi(
    apiRoute({
      method: "post",
      path: "/v1/secrets/{secretId}/rollback",
      tags,
      summary: "Write a new version holding an earlier version's value (admin, operator)",
      request: { params: SecretParam, body: jsonBody(RollbackBody) },
      responses: { 200: json(data(SecretSchema), "Rolled back") },
    }),
    async (c) => {
      const stored = await visibleSecret(c, c.req.valid("param").secretId);
      const p = c.get("principal");
      requireRole(p, MANAGERS, "roll secrets back");
      const { version } = c.req.valid("json");
      const { secret } = await services.secrets.rollback(stored.id, version, p.tokenId, p.name, (w) =>
        auditChange(
          c,
          deps,
          "secret.rollback",
          scopeTarget(w.secret),
          `to version ${version} as version ${w.secret.version}`,
        ),
      );
      return c.json({ data: named(p, secret) }, 200);
    },
  );
}
