import { createHash } from "node:crypto";
import type { Lookup } from "../core/secret-service.ts";
import type { Scope } from "../core/types.ts";

/**
 * Entity tags for `GET /v1/secrets` (RFC 9110 §8.8.3). A tag is a hash of the item metadata a read
 * found (ids, versions, timestamps, inheritance, the next cursor), the scope and name asked for, and
 * whether values are shown: never of a plaintext, so a conditional read that matches decrypts nothing.
 * A value can only change by writing a new version, so the versions stand for the values. With values
 * shown, each ciphertext's GCM tag is hashed too: a ciphertext swapped under the same version (which
 * the reader would see as an integrity error) changes the tag as well. Roles that see the same body
 * (an admin and an agent of the same scope) get the same tag; a view without values never shares one
 * with a view with values.
 */
export function secretsEtag(
  lookup: Lookup,
  request: {
    scope: Scope;
    name?: string | undefined;
    reveal: boolean;
    /** The writer's token name as this caller will see it (null where the caller may not know it). */
    writerName?: (stored: Lookup["entries"][number]["stored"]) => string | null | undefined;
  },
) {
  // One string, one hash update: per-field updates cost ~3 ms on a 1,000-secret page.
  const parts: Array<string | number | boolean | undefined> = [
    "secrets/v1",
    request.reveal,
    request.scope.environmentId,
    request.scope.spaceId,
    request.name,
    lookup.cursor,
  ];
  for (const { stored: s, inherited, overridden } of lookup.entries) {
    parts.push(s.id, s.name, s.environmentId, s.spaceId, s.version, inherited, overridden);
    parts.push(s.createdAt, s.updatedAt, s.updatedBy, request.reveal ? s.envelope.tag : "");
    parts.push(request.writerName?.(s) ?? "\u0001");
  }
  // NUL never occurs in ids, names or timestamps, so fields cannot run into each other.
  const hash = createHash("sha256").update(parts.map((p) => p ?? "").join("\u0000"));
  return `"${hash.digest("base64url").slice(0, 27)}"`;
}

/** One element of the header's list: a tag (weakness prefix, quoted opaque string), `*`, or empty. */
const LIST_ELEMENT = /\s*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"|(\*))?\s*(?:,|$)/y;

/**
 * True when `If-None-Match` matches `etag`, so the answer is 304 (RFC 9110 §13.1.2): `*` matches any
 * current representation; otherwise any listed tag matches by the weak comparison (`W/"x"` equals
 * `"x"`). A header that does not parse matches nothing: the full response is always a correct answer.
 * API Gateway joins repeated headers with commas, which is the same list.
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.trim() === "") return false;
  const opaque = etag.replace(/^W\//, "");
  const element = new RegExp(LIST_ELEMENT.source, "y");
  let matched = false;
  while (element.lastIndex < header.length) {
    const start = element.lastIndex;
    const m = element.exec(header);
    if (!m || element.lastIndex === start) return false;
    if (m[3] === "*" || (m[2] !== undefined && `"${m[2]}"` === opaque)) matched = true;
  }
  return matched;
}
