import type {
  AuditEvent,
  Envelope,
  Environment,
  Page,
  Scope,
  SecretVersion,
  Space,
  StoredSecret,
  TokenRecord,
} from "./types.ts";

/** What an envelope is bound to: a ciphertext only opens under the exact scope, name and version it was sealed for. */
export interface EncryptionContext {
  environmentId: string;
  spaceId?: string | undefined;
  name: string;
  version: number;
}

/** Envelope encryption as the core sees it. Implemented in lambdas/crypto. */
export interface SecretCipher {
  seal(plaintext: string, context: EncryptionContext): Promise<Envelope>;
  /** Throws AppError("integrity") when the envelope does not open under this context. */
  open(envelope: Envelope, context: EncryptionContext): Promise<string>;
}

export interface PageRequest {
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface ScopeStore {
  /** Throws conflict when the id is taken. */
  createEnvironment(env: Environment): Promise<void>;
  getEnvironment(id: string): Promise<Environment | undefined>;
  listEnvironments(page: PageRequest): Promise<Page<Environment>>;
  /** Throws not_found when missing. */
  renameEnvironment(id: string, name: string, updatedAt: string): Promise<Environment>;
  /** Throws conflict while it has spaces or secrets; not_found when missing. */
  deleteEnvironment(id: string): Promise<void>;

  /** Throws conflict when the space id is taken (space ids are unique across environments). */
  createSpace(space: Space): Promise<void>;
  /** True if the space exists in that environment: one keyed read, for scope checks on writes. */
  spaceInEnvironment(environmentId: string, spaceId: string): Promise<boolean>;
  /** Looks a space up by id alone. */
  getSpace(id: string): Promise<Space | undefined>;
  /** The space if it is in this environment: one keyed read, the same for missing and elsewhere. */
  getSpaceIn(environmentId: string, spaceId: string): Promise<Space | undefined>;
  listSpaces(environmentId: string, page: PageRequest): Promise<Page<Space>>;
  renameSpace(id: string, name: string, updatedAt: string): Promise<Space>;
  /** Throws conflict while it has overrides; not_found when missing. */
  deleteSpace(id: string): Promise<void>;
}

/** A new version to write: a sealed value, or a tombstone recording a deletion. */
export type SecretChange =
  | { kind: "value"; seal: (version: number) => Promise<Envelope> }
  | { kind: "tombstone" };

export interface WriteRequest {
  scope: Scope;
  name: string;
  change: SecretChange;
  /** Compare-and-set on the current version; 0 = only if absent. */
  expectedVersion?: number | undefined;
  actor: string;
  /** The actor token's name, stored with the version so history shows who without a lookup. */
  actorName?: string | undefined;
  /** For a rollback: the version whose value this write restores. */
  rollbackOf?: number | undefined;
  now: string;
  /** Id for a secret that has never existed at this scope. */
  newId: string;
  /**
   * Read with the current item, in the same consistent round trip: `scope` proves the scope exists
   * (nothing is written when it does not); `environmentValue` tells whether the environment holds
   * `name` too (a space write is then an override).
   */
  checks?: { scope?: boolean; environmentValue?: boolean } | undefined;
}

export interface WriteResult {
  /** The current item after the write; undefined after a tombstone. */
  secret?: StoredSecret | undefined;
  version: number;
  created: boolean;
  /** With checks.scope: false when the scope does not exist (and nothing was written). */
  scopeExists?: boolean | undefined;
  /** With checks.environmentValue on a space: whether the environment holds a value of the same name. */
  environmentHasValue?: boolean | undefined;
}

/** Both stored items a scope can see for one name, read in one round trip. */
export interface ResolvedItems {
  /** False when the environment (or the space within that environment) does not exist. */
  scopeExists: boolean;
  environment?: StoredSecret | undefined;
  space?: StoredSecret | undefined;
}

export interface EffectivePage {
  scopeExists: boolean;
  environment: StoredSecret[];
  space: StoredSecret[];
  cursor?: string | undefined;
}

export interface SecretStore {
  /** Claim-then-update write (DESIGN §4). Throws precondition_failed on an expectedVersion mismatch. */
  write(request: WriteRequest): Promise<WriteResult>;
  getCurrent(scope: Scope, name: string): Promise<StoredSecret | undefined>;
  getById(id: string): Promise<StoredSecret | undefined>;
  /** One BatchGetItem: the environment item, the space item and the scope's own item. */
  resolve(scope: Scope, name: string): Promise<ResolvedItems>;
  /** Environment and space items of one page of names, ordered by name, read in parallel. */
  listEffective(scope: Scope, page: PageRequest): Promise<EffectivePage>;
  getVersion(scope: Scope, name: string, version: number): Promise<SecretVersion | undefined>;
  /** Newest first. */
  listVersions(scope: Scope, name: string, page: PageRequest): Promise<Page<SecretVersion>>;
}

export interface TokenStore {
  putToken(record: TokenRecord, hash: string): Promise<void>;
  getTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  getTokenById(id: string): Promise<TokenRecord | undefined>;
  listTokens(page: PageRequest): Promise<Page<TokenRecord>>;
  revokeToken(id: string, revokedAt: string): Promise<TokenRecord>;
  /** Revokes every unrevoked token bound to the scope (for an environment: to it or any of its spaces); returns how many. */
  revokeTokensOfScope(scope: Scope, revokedAt: string, createdBefore?: string): Promise<number>;
  /** Best effort; only writes when the stored lastUsedAt is older than `notAfter`. */
  touchToken(hash: string, at: string, notAfter: string): Promise<void>;
}

/** Which audit events to list: the global log (no environment), an environment's, or one space's. */
export interface AuditQuery {
  environmentId?: string | undefined;
  /** Only this space's events (those whose target is in it), read from the space's own partition. */
  spaceId?: string | undefined;
  /** ISO time: only events at or after it (the scope's creation, so a re-created id sees no earlier history). */
  since?: string | undefined;
}

export interface AuditStore {
  /** Throws conflict rather than overwrite an existing event. */
  appendAudit(event: AuditEvent, retentionDays: number): Promise<void>;
  /** Newest first. */
  listAudit(query: AuditQuery, page: PageRequest): Promise<Page<AuditEvent>>;
}

export type Store = ScopeStore & SecretStore & TokenStore & AuditStore;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A fact about a change, published after the write succeeded: names and versions, never a value. */
export interface ChangeEvent {
  type: "secret.created" | "secret.updated" | "secret.deleted" | "secret.rolled_back";
  environmentId: string;
  /** Absent for a change at the environment itself. */
  spaceId?: string | undefined;
  name: string;
  /** The version the change wrote (a deletion writes a tombstone version). */
  version: number;
  /** ISO time of the write. */
  at: string;
  /** The token id that made the change. */
  actor: string;
}

/**
 * Where change events go (EventBridge in the cloud, a signed webhook locally). The write is durable
 * before `publish` is called and stays so whatever it does: adapters log and count their own failures.
 */
export interface ChangeEvents {
  publish(event: ChangeEvent): Promise<void>;
}
