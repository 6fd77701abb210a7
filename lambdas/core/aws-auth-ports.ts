import type { PageRequest } from "./ports.ts";
import type { Page } from "./types.ts";

/** The roles an AWS identity may be bound to: admin stays with bearer tokens an admin holds. */
export type AwsBoundRole = "agent" | "operator";

/**
 * An IAM role bound to a role and a scope (issue 17). It dies with its scope: the scope's creation times
 * are kept, and a scope deleted and re-created under the same id is a different scope at login.
 */
export interface AwsIdentityBinding {
  id: string;
  name: string;
  /** As the admin gave it, path included. */
  principalArn: string;
  /** `arn:aws:iam::<account>:role/<name>`, what STS's assumed-role ARN maps to. */
  canonicalArn: string;
  role: AwsBoundRole;
  environmentId: string;
  spaceId?: string | undefined;
  environmentCreatedAt: string;
  spaceCreatedAt?: string | undefined;
  /** Lifetime of the tokens a login gets (60-3600 s). */
  tokenTtlSeconds: number;
  createdAt: string;
  createdBy: string;
}

export interface AwsIdentityStore {
  /** Throws conflict when the role (by canonical ARN) is already bound. */
  putAwsIdentity(binding: AwsIdentityBinding): Promise<void>;
  getAwsIdentityByArn(canonicalArn: string): Promise<AwsIdentityBinding | undefined>;
  listAwsIdentities(page: PageRequest): Promise<Page<AwsIdentityBinding>>;
  /** Throws not_found when missing. */
  deleteAwsIdentity(id: string): Promise<AwsIdentityBinding>;
}

/** What STS says about the signer of a GetCallerIdentity request. */
export interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
}

/** The STS request a login forwards: only headers the client signed (and Authorization), the fixed body. */
export interface ForwardedStsRequest {
  headers: Record<string, string>;
  body: string;
}

/** Sends a client's signed GetCallerIdentity to the one STS endpoint this deployment chose. */
export interface CallerIdentityVerifier {
  /** host[:port] of that endpoint: a login must be signed for exactly this Host. */
  readonly host: string;
  /**
   * The caller, or undefined when STS refused the request (bad or expired signature, unknown key).
   * Throws AppError("unavailable") when STS cannot be reached or fails.
   */
  getCallerIdentity(request: ForwardedStsRequest): Promise<CallerIdentity | undefined>;
}
