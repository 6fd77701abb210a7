import {
  inScope,
  MANAGERS,
  mayKnowWriter,
  requireRole,
  requireScope,
  secretNotFound,
} from "../../core/access.ts";
import type { Principal } from "../../core/principal.ts";
import { canReadValues } from "../../core/principal.ts";
import { scopeOf } from "../../core/secret-service.ts";
import type { Scope, SecretView, StoredSecret } from "../../core/types.ts";
import { auditReveal, scopeTarget } from "../audit-helpers.ts";
import type { AppContext, AppDeps } from "../context.ts";
import { ifNoneMatchHits, secretsEtag } from "../etag.ts";

/**
 * The GET routes of /v1/secrets, without their schemas: routes/secrets.ts registers them with zod and
 * OpenAPI, reader-app.ts with the zod-free checks (reads/checks.ts). Input arrives already validated.
 */

export interface PageInput {
  cursor?: string | undefined;
  limit?: number | undefined;
}
export interface RevealInput {
  reveal?: "true" | "false" | undefined;
}
export interface ListSecretsInput extends PageInput, RevealInput {
  environmentId: string;
  spaceId?: string | undefined;
  name?: string | undefined;
}

/** Drops the writer's token name where the caller may not learn it (core/access.ts#mayKnowWriter). */
export function named(p: Principal, s: SecretView): SecretView {
  if (s.updatedByName === null) return s;
  const scope = { environmentId: s.environmentId, spaceId: s.spaceId ?? undefined };
  return mayKnowWriter(p, scope) ? s : { ...s, updatedByName: null };
}

export function secretReads({ services }: Pick<AppDeps, "services">) {
  /** The stored secret if the caller may see its scope; the same 404 for missing and out-of-scope. */
  async function visibleSecret(c: AppContext, secretId: string): Promise<StoredSecret> {
    const stored = await services.secrets.requireById(secretId);
    if (!inScope(c.get("principal"), scopeOf(stored))) throw secretNotFound(secretId);
    return stored;
  }

  /** GET /v1/secrets: the agent hot path. */
  async function list(c: AppContext, q: ListSecretsInput, headers: { "if-none-match"?: string | undefined }) {
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
    if (ifNoneMatchHits(headers["if-none-match"], etag)) {
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
  }

  /** GET /v1/secrets/{secretId}. */
  async function get(c: AppContext, secretId: string, query: RevealInput) {
    const p = c.get("principal");
    const stored = await visibleSecret(c, secretId);
    const reveal = canReadValues(p) && query.reveal !== "false";
    const secret = await services.secrets.get(stored.id, { reveal });
    if (reveal) await auditReveal(c, services, scopeTarget(secret));
    return c.json({ data: named(p, secret) }, 200);
  }

  /** GET /v1/secrets/{secretId}/versions. */
  async function versions(c: AppContext, secretId: string, query: PageInput) {
    const stored = await visibleSecret(c, secretId);
    requireRole(c.get("principal"), MANAGERS, "read secret history");
    const page = await services.secrets.listVersions(stored.id, query);
    return c.json({ data: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) }, 200);
  }

  return { visibleSecret, list, get, versions };
}
