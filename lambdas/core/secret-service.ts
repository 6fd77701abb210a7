import { AppError, invalid, notFound } from "./errors.ts";
import { newId } from "./ids.ts";
import { type EffectiveEntry, mergeEffective, pickEffective } from "./inheritance.ts";
import { type Clock, type PageRequest, type SecretCipher, type Store, systemClock } from "./ports.ts";
import { expectedVersionSchema, secretNameSchema, secretValueSchema, versionSchema } from "./schemas.ts";
import type { Page, Scope, SecretView, StoredSecret, VersionView } from "./types.ts";
import { parse } from "./validate.ts";

export interface SetSecretInput {
  scope: Scope;
  name: string;
  value: string;
  expectedVersion?: number | undefined;
  actor: string;
}

export interface SetSecretResult {
  secret: SecretView;
  created: boolean;
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

  constructor(deps: { store: Store; cipher: SecretCipher; clock?: Clock }) {
    this.store = deps.store;
    this.cipher = deps.cipher;
    this.clock = deps.clock ?? systemClock;
  }

  /** Creates or updates the value of `name` at exactly this scope (a space value is an override). */
  async set(input: SetSecretInput): Promise<SetSecretResult> {
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
      now: this.clock.now().toISOString(),
      newId: newId("sec"),
      // The scope proof and the environment's value come with the write's first read: no extra calls.
      checks: { scope: true, environmentValue: scope.spaceId !== undefined },
    });
    if (result.scopeExists === false) throw scopeNotFound(scope);
    const stored = result.secret;
    if (!stored)
      throw new AppError("internal", `secret ${name} was written but could not be read back; retry`);
    return {
      secret: toView({ stored, inherited: false, overridden: result.environmentHasValue === true }),
      created: result.created,
    };
  }

  /** The one secret a scope sees for `name`: one store round trip, then one decrypt. */
  async resolve(scope: Scope, name: string, options: ReadOptions): Promise<SecretView> {
    parse(secretNameSchema, name, "name");
    const items = await this.store.resolve(scope, name);
    if (!items.scopeExists) throw scopeNotFound(scope);
    const entry = pickEffective(items.environment, items.space, scope.spaceId !== undefined);
    if (!entry) throw notFound("name", `secret ${name} not found in ${describeScope(scope)}`);
    if (!options.reveal) return toView(entry);
    return toView(entry, await this.cipher.open(entry.stored.envelope, contextOf(entry.stored)));
  }

  /**
   * The effective secrets of a scope, ordered by name. A value that fails its integrity check is
   * reported on its own row and never hides the others; any other failure fails the whole list.
   */
  async listEffective(scope: Scope, options: ReadOptions & PageRequest): Promise<Page<SecretView>> {
    const page = await this.store.listEffective(scope, options);
    if (!page.scopeExists) throw scopeNotFound(scope);
    const entries = mergeEffective(page.environment, scope.spaceId ? page.space : undefined);
    const items = await Promise.all(entries.map((e) => (options.reveal ? this.openEntry(e) : toView(e))));
    return { items, cursor: page.cursor };
  }

  /** One stored secret by id (the value at its own scope, not the effective one). */
  async get(secretId: string, options: ReadOptions): Promise<SecretView> {
    const stored = await this.requireById(secretId);
    const entry = { stored, inherited: false, overridden: false };
    return options.reveal
      ? toView(entry, await this.cipher.open(stored.envelope, contextOf(stored)))
      : toView(entry);
  }

  /** The stored secret behind an id, for scope checks before acting on it. */
  async requireById(secretId: string): Promise<StoredSecret> {
    const stored = await this.store.getById(secretId);
    if (!stored) throw notFound("secretId", `secret ${secretId} not found`);
    return stored;
  }

  /** Removes the value at its scope, keeping history. A removed space override lets the environment value show. */
  async delete(secretId: string, actor: string, expectedVersion?: number): Promise<{ version: number }> {
    const stored = await this.requireById(secretId);
    const result = await this.store.write({
      scope: scopeOf(stored),
      name: stored.name,
      change: { kind: "tombstone" },
      expectedVersion,
      actor,
      now: this.clock.now().toISOString(),
      newId: stored.id,
    });
    return { version: result.version };
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
      })),
      cursor: versions.cursor,
    };
  }

  /** Writes a new version holding the value of an earlier one; history only grows. */
  async rollback(secretId: string, version: number, actor: string): Promise<SetSecretResult> {
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
    const value = await this.cipher.open(old.envelope, { ...scope, name: stored.name, version });
    return this.set({ scope, name: stored.name, value, expectedVersion: stored.version, actor });
  }

  private async openEntry(entry: EffectiveEntry): Promise<SecretView> {
    try {
      return toView(entry, await this.cipher.open(entry.stored.envelope, contextOf(entry.stored)));
    } catch (e) {
      if (e instanceof AppError && e.code === "integrity") {
        return { ...toView(entry), error: { code: "integrity", message: e.message } };
      }
      throw e;
    }
  }
}

export const scopeOf = (s: { environmentId: string; spaceId?: string | undefined }): Scope =>
  s.spaceId ? { environmentId: s.environmentId, spaceId: s.spaceId } : { environmentId: s.environmentId };

const contextOf = (s: StoredSecret) => ({
  environmentId: s.environmentId,
  spaceId: s.spaceId,
  name: s.name,
  version: s.version,
});

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
  };
}
