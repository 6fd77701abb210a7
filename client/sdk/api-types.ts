/**
 * The HTTP API's request and response shapes, as the SDK sees them. Copied from the server's zod schemas
 * (lambdas/api/schemas.ts) rather than imported, so the published package's .d.ts stands alone;
 * test/client/api-types.test.ts fails the type-check when the two drift apart.
 */

export type Role = "admin" | "operator" | "agent";

export interface Environment {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface Space {
  id: string;
  environmentId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface Secret {
  id: string;
  name: string;
  /** Only for roles that may read values (admin, agent). */
  value?: string | undefined;
  environmentId: string;
  spaceId: string | null;
  version: number;
  inherited: boolean;
  overridden: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  /** The writing token's name, for callers who may read the scope's audit log; otherwise null. */
  updatedByName: string | null;
  /** Set instead of a value when this one secret failed its integrity check. */
  error?: { code: "integrity"; message: string } | undefined;
}

export interface SecretVersion {
  version: number;
  kind: "value" | "tombstone";
  createdAt: string;
  createdBy: string;
  createdByName: string | null;
  /** The version a rollback restored, or null. */
  rollbackOf: number | null;
}

export interface SetSecretRequest {
  name: string;
  value: string;
  environmentId: string;
  spaceId?: string | undefined;
  /** 0: create only; n: only if the current version is n (else 412). */
  expectedVersion?: number | undefined;
  /** Accepted and ignored (Flatfile's clients send it): the actor is always the token. */
  actorId?: string | undefined;
}

export interface Token {
  id: string;
  name: string;
  role: Role;
  environmentId: string | null;
  spaceId: string | null;
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken extends Token {
  /** Shown only in this response; store it now. */
  token: string;
}

export interface CreateTokenRequest {
  name: string;
  role: Role;
  environmentId?: string | undefined;
  spaceId?: string | undefined;
  /** ISO 8601 date-time. */
  expiresAt?: string | undefined;
}

export interface AuditEvent {
  id: string;
  at: string;
  environmentId?: string | undefined;
  actor: { tokenId: string; name: string };
  action: string;
  target: {
    type: string;
    id: string;
    name?: string | undefined;
    environmentId?: string | undefined;
    spaceId?: string | undefined;
  };
  outcome: "success" | "failure";
  requestId?: string | undefined;
  detail?: string | undefined;
}

export interface WhoAmI {
  tokenId: string;
  name: string;
  role: Role;
  environmentId: string | null;
  spaceId: string | null;
}

/** An IAM role bound to a role and scope (POST /v1/aws-identities). */
export interface AwsIdentity {
  id: string;
  name: string;
  principalArn: string;
  /** arn:aws:iam::<account>:role/<name>: STS drops the path, logins match this. */
  canonicalArn: string;
  role: "agent" | "operator";
  environmentId: string;
  spaceId: string | null;
  tokenTtlSeconds: number;
  createdAt: string;
  createdBy: string;
}

export interface CreateAwsIdentityRequest {
  name: string;
  principalArn: string;
  role: "agent" | "operator";
  environmentId: string;
  spaceId?: string | undefined;
  /** Lifetime of the tokens a login gets; default 900 (15 min), at most 3600. */
  tokenTtlSeconds?: number | undefined;
}

/** What POST /v1/auth/aws answers: a short-lived bearer token for the binding's role and scope. */
export interface AwsLoginResult {
  token: string;
  tokenId: string;
  expiresAt: string;
  role: "agent" | "operator";
  environmentId: string;
  spaceId: string | null;
  bindingId: string;
}

/** The codes of the server's `{"errors": …}` failures (lambdas/core/errors.ts). */
export type ErrorCode =
  | "invalid_input"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "precondition_failed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "throttled"
  | "unavailable"
  | "integrity"
  | "internal";

/** One problem the service reported: the field or header it is about, and what to do. */
export interface ErrorDetail {
  key: string;
  message: string;
}

/** What a secret may be called (the server's SECRET_NAME_PATTERN). */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
