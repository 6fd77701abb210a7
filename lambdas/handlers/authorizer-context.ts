import { AppError } from "../core/errors.ts";
import { SCOPE_ID_PATTERN } from "../core/limits.ts";
import type { Principal } from "../core/principal.ts";
import type { Role } from "../core/types.ts";

const ROLES = ["admin", "operator", "agent"] as const satisfies readonly Role[];

/**
 * "Not bound to an environment/space" in the authorizer context. Not "": nothing in API Gateway's
 * documentation promises that an empty context value reaches the integration, so every value is non-empty.
 * No scope id can be "-" (core/schemas.ts), so it cannot be mistaken for one.
 */
export const UNBOUND = "-";

/**
 * What the authorizer hands API Gateway for the API function (`requestContext.authorizer.lambda`): flat,
 * non-empty strings only, which API Gateway passes through as given. Checked by hand, not with zod: this
 * file is in both functions' bundles, and zod would be a third of the authorizer's
 * (test/unit/lambda-env.test.ts holds the zod schema it replaced and compares the two).
 */
export type AuthorizerContext = {
  tokenId: string;
  role: Role;
  /** A scope id, or UNBOUND. */
  environmentId: string;
  spaceId: string;
  name: string;
  /** ISO expiry of an expiring token: API Gateway caches this answer for a fixed TTL, so the API checks it again. */
  expiresAt?: string | undefined;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;

// "" is read as UNBOUND too: an answer the previous authorizer version cached may still carry it.
const bound = (v: unknown): string | undefined =>
  v === UNBOUND || v === "" ? UNBOUND : typeof v === "string" && SCOPE_ID_PATTERN.test(v) ? v : undefined;

/** The context as the API function accepts it, or undefined for anything else. */
export function parseAuthorizerContext(raw: unknown): AuthorizerContext | undefined {
  if (!isRecord(raw)) return undefined;
  const { tokenId, role, name } = raw;
  const environmentId = bound(raw.environmentId);
  const spaceId = bound(raw.spaceId);
  if (!nonEmpty(tokenId) || !nonEmpty(name) || !ROLES.includes(role as Role)) return undefined;
  if (environmentId === undefined || spaceId === undefined) return undefined;
  const { expiresAt } = raw;
  if (expiresAt !== undefined && !nonEmpty(expiresAt)) return undefined;
  return {
    tokenId,
    role: role as Role,
    environmentId,
    spaceId,
    name,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

/** Why a token did not authenticate, as a code: the only thing about a failed token that is ever logged. */
export const DENY_REASONS = ["no_bearer", "malformed", "unknown_revoked_or_expired"] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

/**
 * The context for a token that did not authenticate. HTTP APIs answer an authorizer's denial with a bare
 * 403 `{"message":"Forbidden"}`; passing the denial through lets the API function answer DESIGN §3's
 * 401 with our error body instead, before any route runs.
 */
export interface DeniedContext {
  denied: DenyReason;
}

/** The denial passed through, or undefined when raw is not one. */
export function parseDeniedContext(raw: unknown): DeniedContext | undefined {
  return isRecord(raw) && DENY_REASONS.includes(raw.denied as DenyReason)
    ? { denied: raw.denied as DenyReason }
    : undefined;
}

const DENY_MESSAGES: Record<DenyReason, string> = {
  no_bearer: "send Authorization: Bearer <token>",
  malformed: "the token is not valid; check it was copied whole",
  unknown_revoked_or_expired: "the token is unknown, revoked or expired; ask an admin for a new one",
};

/** The authorizer's side: a principal as context values. */
export function toAuthorizerContext(p: Principal): AuthorizerContext {
  return {
    tokenId: p.tokenId,
    role: p.role,
    environmentId: p.environmentId ?? UNBOUND,
    spaceId: p.spaceId ?? UNBOUND,
    name: p.name,
    ...(p.expiresAt ? { expiresAt: p.expiresAt } : {}),
  };
}

/**
 * The API function's side: the principal from the authorizer's context, and nothing else (never a header
 * the client sent). Anything missing or malformed is 401: API Gateway put it there, so a bad one means a
 * route was deployed without the authorizer.
 */
export function principalFromAuthorizer(raw: unknown): Principal {
  const denied = parseDeniedContext(raw);
  if (denied) throw new AppError("unauthorized", DENY_MESSAGES[denied.denied], { key: "Authorization" });
  const c = parseAuthorizerContext(raw);
  if (!c) throw new AppError("unauthorized", "send Authorization: Bearer <token>", { key: "Authorization" });
  // The authorizer's cached answer may outlive the token (short AWS-login tokens): expiry wins.
  if (c.expiresAt && !(Date.parse(c.expiresAt) > Date.now()))
    throw new AppError("unauthorized", DENY_MESSAGES.unknown_revoked_or_expired, { key: "Authorization" });
  const environmentId = c.environmentId === UNBOUND ? undefined : c.environmentId;
  const spaceId = c.spaceId === UNBOUND ? undefined : c.spaceId;
  // An admin is bound to nothing; an operator or agent always to an environment.
  if (c.role === "admin" ? environmentId !== undefined || spaceId !== undefined : environmentId === undefined)
    throw new AppError("unauthorized", "send Authorization: Bearer <token>", { key: "Authorization" });
  return {
    tokenId: c.tokenId,
    name: c.name,
    role: c.role,
    environmentId,
    spaceId,
    ...(c.expiresAt ? { expiresAt: c.expiresAt } : {}),
  };
}
