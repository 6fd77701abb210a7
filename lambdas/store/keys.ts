import type { Scope } from "../core/types.ts";

/**
 * Key shapes of the single table (DESIGN §4). Only lambdas/store knows them; IAM conditions in infra/
 * import TOKEN_PREFIX from here so the authorizer's LeadingKeys grant follows any change.
 */
export const TOKEN_PREFIX = "TOKEN#";
export const META = "META";
/** AWS identity bindings, one per IAM role: `AWSID#arn:aws:iam::<account>:role/<name>` / META. */
export const AWS_IDENTITY_PREFIX = "AWSID#";
export const awsIdentityPk = (canonicalArn: string) => `${AWS_IDENTITY_PREFIX}${canonicalArn}`;

export const envPk = (environmentId: string) => `ENV#${environmentId}`;
export const spaceListSk = (spaceId: string) => `SPACE#${spaceId}`;
export const SPACE_LIST_PREFIX = "SPACE#";
export const spaceLookupPk = (spaceId: string) => `SPACE#${spaceId}`;

export const scopePk = (scope: Scope) =>
  scope.spaceId ? `SCOPE#${scope.environmentId}#${scope.spaceId}` : `SCOPE#${scope.environmentId}`;
export const SECRET_PREFIX = "SECRET#";
export const secretSk = (name: string) => `${SECRET_PREFIX}${name}`;
/** Upper bound for a BETWEEN over SECRET# sort keys: '$' sorts right after '#'. */
export const SECRET_UPPER = "SECRET$";
/** Just after `name` and before any longer name: '!' sorts below every character a name may hold. */
export const secretSkAfter = (name: string) => `${SECRET_PREFIX}${name}!`;

const VERSION_DIGITS = 10;
export const versionPrefix = (name: string) => `VERSION#${name}#`;
export const versionSk = (name: string, version: number) =>
  `${versionPrefix(name)}${String(version).padStart(VERSION_DIGITS, "0")}`;

export const tokenPk = (hash: string) => `${TOKEN_PREFIX}${hash}`;

/**
 * Events outside any environment live in a partition no environment id can name: ids match
 * ^[A-Za-z0-9_-]{1,64}$, so none can be "$GLOBAL" (an environment named "_" once read the old "AUDIT#_").
 */
export const GLOBAL_AUDIT_PK = "AUDIT$GLOBAL";
export const auditPk = (environmentId: string | undefined) =>
  environmentId === undefined ? GLOBAL_AUDIT_PK : `AUDIT#${environmentId}`;
/** A space's own copy of its events; ids cannot hold "#", so no environment partition looks like it. */
export const spaceAuditPk = (environmentId: string, spaceId: string) => `AUDIT#${environmentId}#${spaceId}`;

/**
 * The scope and name a current secret item's key names (what its fields must agree with). Undefined when
 * the key is not a secret key at all.
 */
export function secretKeyParts(
  pk: string,
  sk: string,
): { environmentId: string; spaceId?: string | undefined; name: string } | undefined {
  if (!pk.startsWith("SCOPE#") || !sk.startsWith(SECRET_PREFIX)) return undefined;
  // Environment and space ids cannot hold "#", so the split is unambiguous.
  const [environmentId, spaceId, ...rest] = pk.slice("SCOPE#".length).split("#");
  if (!environmentId || rest.length) return undefined;
  return { environmentId, spaceId: spaceId || undefined, name: sk.slice(SECRET_PREFIX.length) };
}

/** Attribute and index names. */
export const ATTR = { pk: "pk", sk: "sk", id: "id", listKind: "listKind", ttl: "ttl" } as const;
export const INDEX = { byId: "byId", byKind: "byKind" } as const;
