import { z } from "zod";

/**
 * IAM role ARNs and the caller ARNs STS answers with. Role names are unique per account whatever their
 * path, and STS drops the path from an assumed-role ARN, so a role is identified by account and name:
 * `arn:aws:iam::<account>:role/<name>` (its canonical ARN).
 */

/** IAM's own rules: role names 1-64 of [\w+=,.@-]; a path is "/" or "/segment/…/" (at most 512 characters). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const ASSUMED_ROLE_ARN = /^arn:aws:sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/;

export interface RoleIdentity {
  account: string;
  roleName: string;
  /** `arn:aws:iam::<account>:role/<name>`: the key a binding is stored and found under. */
  canonicalArn: string;
}

export const canonicalRoleArn = (account: string, roleName: string) =>
  `arn:aws:iam::${account}:role/${roleName}`;

/** A binding's principalArn: an IAM role ARN in the `aws` partition, path allowed, nothing else. */
export const roleArnSchema = z
  .string({ error: "principalArn must be a string" })
  .max(600, { error: "principalArn is longer than an IAM role ARN can be" })
  .regex(ROLE_ARN, {
    error:
      "principalArn must be an IAM role ARN, arn:aws:iam::<12-digit account>:role/<optional/path/><name>, e.g. arn:aws:iam::123456789012:role/billing-agent",
  })
  .refine((arn) => (ROLE_ARN.exec(arn)?.[2]?.length ?? 0) <= 512, {
    error: "principalArn's path is longer than IAM allows (512 characters)",
  });

/** The account and role name of a role ARN already checked by roleArnSchema. */
export function parseRoleArn(arn: string): RoleIdentity | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m?.[1] || !m[3] || !ROLE_NAME.test(m[3])) return undefined;
  return { account: m[1], roleName: m[3], canonicalArn: canonicalRoleArn(m[1], m[3]) };
}

/**
 * The role behind a GetCallerIdentity ARN: `arn:aws:sts::<account>:assumed-role/<role>/<session>` maps
 * to the role. Anything else (IAM users, federated users, the root user) is not a role session and
 * cannot log in.
 */
export function roleOfCaller(arn: string): (RoleIdentity & { sessionName: string }) | undefined {
  const m = ASSUMED_ROLE_ARN.exec(arn);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { account: m[1], roleName: m[2], canonicalArn: canonicalRoleArn(m[1], m[2]), sessionName: m[3] };
}
