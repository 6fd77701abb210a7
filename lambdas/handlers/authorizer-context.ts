import { z } from "zod";
import { AppError } from "../core/errors.ts";
import type { Principal } from "../core/principal.ts";
import type { Role } from "../core/types.ts";

const ROLES = ["admin", "operator", "agent"] as const satisfies readonly Role[];

/**
 * What the authorizer hands API Gateway for the API function (`requestContext.authorizer.lambda`). Flat
 * strings only: API Gateway passes them through as given, and "" stands for "not bound".
 */
export const AuthorizerContextSchema = z.object({
  tokenId: z.string().min(1),
  role: z.enum(ROLES),
  environmentId: z.string(),
  spaceId: z.string(),
  name: z.string(),
  /** ISO expiry of an expiring token: API Gateway caches this answer for a fixed TTL, so the API checks it again. */
  expiresAt: z.string().optional(),
});

export type AuthorizerContext = z.infer<typeof AuthorizerContextSchema>;

/** Why a token did not authenticate, as a code: the only thing about a failed token that is ever logged. */
export const DENY_REASONS = ["no_bearer", "malformed", "unknown_revoked_or_expired"] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

/**
 * The context for a token that did not authenticate. HTTP APIs answer an authorizer's denial with a bare
 * 403 `{"message":"Forbidden"}`; passing the denial through lets the API function answer DESIGN §3's
 * 401 with our error body instead, before any route runs.
 */
export const DeniedContextSchema = z.object({ denied: z.enum(DENY_REASONS) });
export type DeniedContext = z.infer<typeof DeniedContextSchema>;

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
    environmentId: p.environmentId ?? "",
    spaceId: p.spaceId ?? "",
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
  const denied = DeniedContextSchema.safeParse(raw);
  if (denied.success)
    throw new AppError("unauthorized", DENY_MESSAGES[denied.data.denied], { key: "Authorization" });
  const parsed = AuthorizerContextSchema.safeParse(raw);
  if (!parsed.success)
    throw new AppError("unauthorized", "send Authorization: Bearer <token>", { key: "Authorization" });
  const c = parsed.data;
  // The authorizer's cached answer may outlive the token (short AWS-login tokens): expiry wins.
  if (c.expiresAt && !(Date.parse(c.expiresAt) > Date.now()))
    throw new AppError("unauthorized", DENY_MESSAGES.unknown_revoked_or_expired, { key: "Authorization" });
  const unbound = c.role === "admin";
  if (unbound ? c.environmentId !== "" || c.spaceId !== "" : c.environmentId === "")
    throw new AppError("unauthorized", "send Authorization: Bearer <token>", { key: "Authorization" });
  return {
    tokenId: c.tokenId,
    name: c.name,
    role: c.role,
    environmentId: c.environmentId || undefined,
    spaceId: c.spaceId || undefined,
    expiresAt: c.expiresAt || undefined,
  };
}
