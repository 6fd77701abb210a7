import { AppError, invalid, notFound } from "./errors.ts";
import { expectedVersionSchema, secretNameSchema, secretValueSchema, versionSchema } from "./field-checks.ts";
import { newId } from "./ids.ts";
import { type EffectiveEntry, mergeEffective, pickEffective } from "./inheritance.ts";
import {
  type ChangeEvent,
  type ChangeEvents,
  type Clock,
  type EncryptionContext,
  type PageRequest,
  type SecretCipher,
  type Store,
  systemClock,
} from "./ports.ts";
import type { Page, Scope, SecretView, StoredSecret, VersionView } from "./types.ts";
import { parse } from "./validate.ts";

export interface SetSecretInput {
  scope: Scope;
  name: string;
  value: string;
  expectedVersion?: number | undefined;
  actor: string;
  /** The actor token's name, kept with the version (history and rows show it). */
  actorName?: string | undefined;
  /** Runs after the write, while its change event is published (see `Alongside`). */
  alongside?: Alongside<SetSecretResult> | undefined;
}

/**
 * Work that belongs to a durable write (the route's audit event), started once the write is done and run
 * while the change event is published rather than after it: a slow bus (up to 1 s in the cloud) no longer
 * delays the audit write, and the call returns only when both are done (Lambda may freeze right after).
 */
export type Alongside<T> = (written: T) => Promise<void>;

export interface SetSecretResult {
  secret: SecretView;
  created: boolean;
}

/** What a read will show, before anything is decrypted. */
export interface Lookup {
  entries: EffectiveEntry[];
  cursor?: string | undefined;
  /** A read of one name (`resolve`), not a page. */
  single: boolean;
  /** The scope that was asked for: the encryption context is built from it. */
  scope: Scope;
}

export interface ReadOptions {
  /** Decrypt and include values. Off for roles that write but never read. */
  reveal: boolean;
}

/**
 * Secrets of environments and spaces: validation, scope checks, inheritance and encryption around the
 * store. Knows nothing of HTTP or AWS; authorization happens before a call reaches here.
 */
export class SecretService {
  private readonly store: Store;
  private readonly cipher: SecretCipher;
  private readonly clock: Clock;
  private readonly events: ChangeEvents | undefined;

  constructor(deps: {
    store: Store;
    cipher: SecretCipher;
    clock?: Clock;
    events?: ChangeEvents | undefined;
  }) {
    this.store = deps.store;
    this.cipher = deps.cipher;
    this.clock = deps.clock ?? systemClock;
    this.events = deps.events;
  }

  /** Creates or updates the value of `name` at exactly this scope (a space value is an override). */
  set(input: SetSecretInput): Promise<SetSecretResult> {
    return this.setValue(input);
  }

  private async setValue(input: SetSecretInput & { rollbackOf?: number }): Promise<SetSecretResult> {
    const rollback = input.rollbackOf !== undefined;
    const name = parse(secretNameSchema, input.name, "name");
    const value = parse(secretValueSchema, input.value, "value");
    if (input.expectedVersion !== undefined)
      parse(expectedVersionSchema, input.expectedVersion, "expectedVersion");
    const scope = input.scope;
    const result = await this.store.write({
      scope,
      name,
      change: {
        kind: "value",
        seal: (version) =>
          this.cipher.seal(value, {
            environmentId: scope.environmentId,
            spaceId: scope.spaceId,
            name,
            version,
          }),
      },
      expectedVersion: input.expectedVersion,
      actor: input.actor,
      actorName: input.actorName,
      rollbackOf: input.rollbackOf,
      now: this.clock.now().toISOString(),
      newId: newId("sec"),
      // The scope proof and the environment's value come with the write's first read: no extra calls.
      checks: { scope: true, environmentValue: scope.spaceId !== undefined },
    });
    if (result.scopeExists === false) throw scopeNotFound(scope);
    const stored = result.secret;
    if (!stored)
      throw new AppError("internal", `secret ${name} was written but could not be read back; retry`);
    const alongside = input.alongside;
    const type = rollback ? "secret.rolled_back" : result.created ? "secret.created" : "secret.updated";
    const written = {
      secret: toView({ stored, inherited: false, overridden: result.environmentHasValue === true }),
      created: result.created,
    };
    await this.afterWrite(
      { type, ...scope, name, version: stored.version, at: stored.updatedAt, actor: input.actor },
      alongside && (() => alongside(written)),
    );
    return written;
  }

  /** The one secret a scope sees for `name`: one store round trip, then one decrypt. */
  async resolve(scope: Scope, name: string, options: ReadOptions): Promise<SecretView> {
    const [view] = (await this.open(await this.lookup(scope, { name }), options)).items;
    return view as SecretView;
  }

  /**
   * The effective secrets of a scope, ordered by name. A value that fails its integrity check is
   * reported on its own row and never hides the others; any other failure fails the whole list.
   */
  async listEffective(scope: Scope, options: ReadOptions & PageRequest): Promise<Page<SecretView>> {
    return this.open(await this.lookup(scope, options), options);
  }

  /**
   * Phase one of a read: what `resolve` (with `name`) or `listEffective` would show, read from the
   * store without decrypting anything, so a conditional read can stop here (lambdas/api/etag.ts).
   */
  async lookup(scope: Scope, query: { name?: string | undefined } & PageRequest): Promise<Lookup> {
    if (query.name !== undefined) {
      const name = query.name;
      parse(secretNameSchema, name, "name");
      const items = await this.store.resolve(scope, name);
      if (!items.scopeExists) throw scopeNotFound(scope);
      const entry = pickEffective(items.environment, items.space, scope.spaceId !== undefined);
      if (!entry) throw notFound("name", `secret ${name} not found in ${describeScope(scope)}`);
      return { entries: [entry], single: true, scope };
    }
    const page = await this.store.listEffective(scope, { cursor: query.cursor, limit: query.limit });
    if (!page.scopeExists) throw scopeNotFound(scope);
    const entries = mergeEffective(page.environment, scope.spaceId ? page.space : undefined);
    return { entries, cursor: page.cursor, single: false, scope };
  }

  /** Phase two: the views of a lookup, decrypted when `reveal`. */
  async open(lookup: Lookup, options: ReadOptions): Promise<Page<SecretView>> {
    const { entries, cursor, scope } = lookup;
    // One name: an integrity failure fails the read; in a list it marks its own row.
    const items = await Promise.all(
      entries.map((e) => this.openEntry(scope, e, options.reveal, lookup.single)),
    );
    return { items, cursor };
  }

  /** One stored secret by id (the value at its own scope, not the effective one). */
  async get(secretId: string, options: ReadOptions): Promise<SecretView> {
    const stored = await this.requireById(secretId);
    const entry = { stored, inherited: false, overridden: false };
    // The store reports scope and name from the item's key, so this context is the key's.
    const bound = contextFor(scopeOf(stored), stored.name, stored);
    return options.reveal ? toView(entry, await this.cipher.open(stored.envelope, bound)) : toView(entry);
  }

  /** The stored secret behind an id, for scope checks before acting on it. */
  async requireById(secretId: string): Promise<StoredSecret> {
    const stored = await this.store.getById(secretId);
    if (!stored) throw notFound("secretId", `secret ${secretId} not found`);
    return stored;
  }

  /** Removes the value at its scope, keeping history. A removed space override lets the environment value show. */
  async delete(
    secretId: string,
    actor: string,
    expectedVersion?: number,
    actorName?: string,
    alongside?: Alongside<{ version: number }>,
  ): Promise<{ version: number }> {
    const stored = await this.requireById(secretId);
    const scope = scopeOf(stored);
    const now = this.clock.now().toISOString();
    const result = await this.store.write({
      scope,
      name: stored.name,
      change: { kind: "tombstone" },
      expectedVersion,
      actor,
      actorName,
      now,
      newId: stored.id,
    });
    const written = { version: result.version };
    await this.afterWrite(
      { type: "secret.deleted", ...scope, name: stored.name, version: result.version, at: now, actor },
      alongside && (() => alongside(written)),
    );
    return written;
  }

  /** History of a secret, newest first, without values. */
  async listVersions(secretId: string, page: PageRequest): Promise<Page<VersionView>> {
    const stored = await this.requireById(secretId);
    const versions = await this.store.listVersions(scopeOf(stored), stored.name, page);
    return {
      items: versions.items.map((v) => ({
        version: v.version,
        kind: v.kind,
        createdAt: v.createdAt,
        createdBy: v.createdBy,
        createdByName: v.createdByName ?? null,
        rollbackOf: v.rollbackOf ?? null,
      })),
      cursor: versions.cursor,
    };
  }

  /** Writes a new version holding the value of an earlier one; history only grows. */
  async rollback(
    secretId: string,
    version: number,
    actor: string,
    actorName?: string,
    alongside?: Alongside<SetSecretResult>,
  ): Promise<SetSecretResult> {
    parse(versionSchema, version, "version");
    const stored = await this.requireById(secretId);
    const scope = scopeOf(stored);
    const old = await this.store.getVersion(scope, stored.name, version);
    if (!old) throw notFound("version", `secret ${stored.name} has no version ${version}`);
    if (old.kind !== "value" || !old.envelope)
      throw invalid(
        "version",
        `version ${version} of ${stored.name} records a deletion; choose a version with a value`,
      );
    const bound = contextFor(scope, stored.name, stored);
    const value = await this.cipher.open(old.envelope, { ...bound, version });
    return this.setValue({
      scope,
      name: stored.name,
      value,
      expectedVersion: stored.version,
      actor,
      actorName,
      rollbackOf: version,
      alongside,
    });
  }

  /**
   * After a durable write: the change event and the caller's `alongside` work, concurrently. Returns when
   * both are done; only `alongside` can fail it (a publish that fails never fails the write).
   */
  private async afterWrite(event: ChangeEvent, alongside: (() => Promise<void>) | undefined): Promise<void> {
    // An async wrapper: even a callback that throws synchronously waits for the publish.
    const [, done] = await Promise.allSettled([this.emit(event), (async () => alongside?.())()]);
    if (done.status === "rejected") throw done.reason;
  }

  /** A publish that fails never fails the write (adapters log and count it). */
  private async emit(event: ChangeEvent): Promise<void> {
    if (!this.events) return;
    try {
      await this.events.publish(event);
    } catch {
      // The port's adapters report their own failures; the write has already happened.
    }
  }

  private async openEntry(
    scope: Scope,
    entry: EffectiveEntry,
    reveal: boolean,
    failFast = false,
  ): Promise<SecretView> {
    const owner = entry.inherited || !scope.spaceId ? { environmentId: scope.environmentId } : scope;
    try {
      const bound = contextFor(owner, entry.stored.name, entry.stored);
      if (!reveal) return toView(entry);
      return toView(entry, await this.cipher.open(entry.stored.envelope, bound));
    } catch (e) {
      if (!failFast && e instanceof AppError && e.code === "integrity") {
        return { ...toView(entry), error: { code: "integrity", message: e.message } };
      }
      throw e;
    }
  }
}

export const scopeOf = (s: { environmentId: string; spaceId?: string | undefined }): Scope =>
  s.spaceId ? { environmentId: s.environmentId, spaceId: s.spaceId } : { environmentId: s.environmentId };

/**
 * The encryption context of a stored item, built from the key that was asked for (scope and name), never
 * from the item's own fields. An item the store found under a key its fields disagree with, or that
 * answers for another scope or name, is an integrity failure and is never served.
 */
function contextFor(scope: Scope, name: string, stored: StoredSecret): EncryptionContext {
  if (
    stored.misplaced ||
    stored.name !== name ||
    stored.environmentId !== scope.environmentId ||
    (stored.spaceId ?? undefined) !== (scope.spaceId ?? undefined)
  )
    throw new AppError(
      "integrity",
      `the stored value of ${name} failed its integrity check: it is not stored under its own scope and name`,
    );
  return { environmentId: scope.environmentId, spaceId: scope.spaceId, name, version: stored.version };
}

export const describeScope = (scope: Scope): string =>
  scope.spaceId
    ? `space ${scope.spaceId} of environment ${scope.environmentId}`
    : `environment ${scope.environmentId}`;

const scopeNotFound = (scope: Scope) =>
  scope.spaceId
    ? notFound("spaceId", `space ${scope.spaceId} not found in environment ${scope.environmentId}`)
    : notFound("environmentId", `environment ${scope.environmentId} not found`);

function toView(entry: EffectiveEntry, value?: string): SecretView {
  const s = entry.stored;
  return {
    id: s.id,
    name: s.name,
    ...(value === undefined ? {} : { value }),
    environmentId: s.environmentId,
    spaceId: s.spaceId ?? null,
    version: s.version,
    inherited: entry.inherited,
    overridden: entry.overridden,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    updatedBy: s.updatedBy,
    updatedByName: s.updatedByName ?? null,
  };
}
