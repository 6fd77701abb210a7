/** Domain types. No AWS types here: adapters translate to and from these. */

export interface Scope {
  environmentId: string;
  /** Absent for the environment itself. */
  spaceId?: string | undefined;
}

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

/** An encrypted value as stored: AES-256-GCM under a per-version data key wrapped by the keyring. */
export interface Envelope {
  alg: "AES-256-GCM";
  /** base64 */
  iv: string;
  /** base64 */
  ct: string;
  /** base64 */
  tag: string;
  /** base64 of the data key as wrapped by the keyring */
  wrappedKey: string;
  /** Identifies the wrapping key (KMS key ARN or local key fingerprint). */
  keyId: string;
}

/** The current stored item of a secret at one scope. */
export interface StoredSecret {
  id: string;
  name: string;
  environmentId: string;
  spaceId?: string | undefined;
  version: number;
  envelope: Envelope;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  /** Set by the store when the item's own fields disagree with the key it was found under. */
  misplaced?: true | undefined;
  /** The writing token's name when it wrote (absent on items written before names were stored). */
  updatedByName?: string | null | undefined;
}

export type VersionKind = "value" | "tombstone";

/** An immutable entry of a secret's history. Tombstones record deletions and carry no envelope. */
export interface SecretVersion {
  secretId: string;
  name: string;
  environmentId: string;
  spaceId?: string | undefined;
  version: number;
  kind: VersionKind;
  envelope?: Envelope | undefined;
  /** Unique per write attempt, so a writer can recognise its own claim after a roll-forward. */
  writeId: string;
  createdAt: string;
  createdBy: string;
  /** The writing token's name when it wrote. */
  createdByName?: string | undefined;
  /** Set on a version written by a rollback: the version whose value it restored. */
  rollbackOf?: number | undefined;
}

/** What a client sees for one effective secret. */
export interface SecretView {
  id: string;
  name: string;
  value?: string;
  environmentId: string;
  spaceId: string | null;
  version: number;
  /** True when the space sees the environment's value (no override). */
  inherited: boolean;
  /** True when the space overrides an environment value of the same name. */
  overridden: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  /** The name the writing token had; null for items written before names were stored. */
  updatedByName: string | null;
  /** Set when the stored value failed its integrity check; `value` is then absent. */
  error?: { code: "integrity"; message: string };
}

export interface VersionView {
  version: number;
  kind: VersionKind;
  createdAt: string;
  createdBy: string;
  createdByName: string | null;
  rollbackOf: number | null;
}

export interface Page<T> {
  items: T[];
  cursor?: string | undefined;
}

export type Role = "admin" | "operator" | "agent";

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  environmentId?: string | undefined;
  spaceId?: string | undefined;
  expiresAt?: string | undefined;
  createdAt: string;
  createdBy: string;
  lastUsedAt?: string | undefined;
  revokedAt?: string | undefined;
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
