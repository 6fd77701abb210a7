import { z } from "@hono/zod-openapi";
import {
  inScope,
  MANAGERS,
  mayKnowWriter,
  requireRole,
  requireScope,
  secretNotFound,
} from "../../core/access.ts";
import { invalid } from "../../core/errors.ts";
import type { Principal } from "../../core/principal.ts";
import { canReadValues } from "../../core/principal.ts";
import { scopeOf } from "../../core/secret-service.ts";
import type { Scope, SecretView, StoredSecret } from "../../core/types.ts";
import { auditChange, auditReveal, scopeTarget } from "../audit-helpers.ts";
import type { App, AppContext, AppDeps } from "../context.ts";
import { ifNoneMatchHits, secretsEtag } from "../etag.ts";
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

/** Drops the writer's token name where the caller may not learn it (core/access.ts#mayKnowWriter). */
function named(p: Principal, s: SecretView): SecretView {
  if (s.updatedByName === null) return s;
  const scope = { environmentId: s.environmentId, spaceId: s.spaceId ?? undefined };
  return mayKnowWriter(p, scope) ? s : { ...s, updatedByName: null };
}

export function secretRoutes(app: App, deps: AppDeps) {
  const { services } = deps;
  /** The stored secret if the caller may see its scope; the same 404 for missing and out-of-scope. */
  async function visibleSecret(c: AppContext, secretId: string): Promise<StoredSecret> {
    const stored = await services.secrets.requireById(secretId);
    if (!inScope(c.get("principal"), scopeOf(stored))) throw secretNotFound(secretId);
    return stored;
  }

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
    async (c) => {
      const q = c.req.valid("query");
      const p = c.get("principal");
      const scope: Scope = q.spaceId
        ? { environmentId: q.environmentId, spaceId: q.spaceId }
        : { environmentId: q.environmentId };
      requireScope(p, scope);
      const reveal = canReadValues(p) && q.reveal !== "false";
      // Metadata first: a matching If-None-Match is answered before anything is decrypted or audited.
      const lookup = await services.secrets.lookup(scope, q);
      const etag = secretsEtag(lookup, {
        scope,
        name: q.name,
        reveal,
        writerName: (s) => (mayKnowWriter(p, scopeOf(s)) ? s.updatedByName : null),
      });
      if (ifNoneMatchHits(c.req.valid("header")["if-none-match"], etag)) {
        // A 304 repeats the caching headers the 200 would carry (RFC 9110 §15.4.5).
        return c.body(null, 304, { ETag: etag, "Cache-Control": "no-store" });
      }
      const page = await services.secrets.open(lookup, { reveal });
      // The tag goes on the 200 only: an error after this point must not carry it.
      if (q.name !== undefined) {
        const secret = page.items[0] as SecretView;
        if (reveal) await auditReveal(c, services, scopeTarget(secret));
        return c.json({ data: [named(p, secret)] }, 200, { ETag: etag });
      }
      if (reveal && page.items.length) {
        const target = { type: "scope", id: scope.spaceId ?? scope.environmentId, ...scope };
        await auditReveal(c, services, target, `${page.items.length} values`);
      }
      const items = page.items.map((s) => named(p, s));
      return c.json({ data: items, ...(page.cursor ? { cursor: page.cursor } : {}) }, 200, { ETag: etag });
    },
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
    async (c) => {
      const { secretId } = c.req.valid("param");
      const p = c.get("principal");
      const stored = await visibleSecret(c, secretId);
      const reveal = canReadValues(p) && c.req.valid("query").reveal !== "false";
      const secret = await services.secrets.get(stored.id, { reveal });
      if (reveal) await auditReveal(c, services, scopeTarget(secret));
      return c.json({ data: named(p, secret) }, 200);
    },
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
    async (c) => {
      const stored = await visibleSecret(c, c.req.valid("param").secretId);
      requireRole(c.get("principal"), MANAGERS, "read secret history");
      const page = await services.secrets.listVersions(stored.id, c.req.valid("query"));
      return c.json({ data: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) }, 200);
    },
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
