import { z } from "zod";
import { AppError } from "../core/errors.ts";
import type { Principal } from "../core/principal.ts";
import { environmentIdSchema, spaceIdSchema } from "../core/schemas.ts";
import type { Role } from "../core/types.ts";

const ROLES = ["admin", "operator", "agent"] as const satisfies readonly Role[];

/**
 * "Not bound to an environment/space" in the authorizer context. Not "": nothing in API Gateway's
 * documentation promises that an empty context value reaches the integration, so every value is non-empty.
 * No scope id can be "-" (core/schemas.ts), so it cannot be mistaken for one.
 */
export const UNBOUND = "-";

// "" is read as UNBOUND too: an answer the previous authorizer version cached may still carry it.
const bound = <T extends z.ZodType<string>>(id: T) =>
  z.union([z.literal(UNBOUND), z.literal("").transform(() => UNBOUND), id]);

/**
 * What the authorizer hands API Gateway for the API function (`requestContext.authorizer.lambda`): flat,
 * non-empty strings only, which API Gateway passes through as given.
 */
export const AuthorizerContextSchema = z.object({
  tokenId: z.string().min(1),
  role: z.enum(ROLES),
  environmentId: bound(environmentIdSchema),
  spaceId: bound(spaceIdSchema),
  name: z.string().min(1),
  /** ISO expiry of an expiring token: API Gateway caches this answer for a fixed TTL, so the API checks it again. */
  expiresAt: z.string().min(1).optional(),
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
