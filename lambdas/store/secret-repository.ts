import { randomUUID } from "node:crypto";
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { AppError, notFound } from "../core/errors.ts";
import type {
  EffectivePage,
  PageRequest,
  ResolvedItems,
  SecretStore,
  WriteRequest,
  WriteResult,
} from "../core/ports.ts";
import type { Page, Scope, SecretVersion, StoredSecret } from "../core/types.ts";
import { decodeCursor, encodeCursor, pageLimit } from "./cursor.ts";
import { isConditionFailed } from "./errors.ts";
import {
  envPk,
  META,
  SECRET_PREFIX,
  SECRET_UPPER,
  scopePk,
  secretKeyParts,
  secretSk,
  secretSkAfter,
  spaceListSk,
  versionPrefix,
  versionSk,
} from "./keys.ts";
import { KnownScopes } from "./known-scopes.ts";
import type { DocSender } from "./lean-dynamo.ts";
import { RepositoryBase, stripKeys } from "./repository-base.ts";

/** Enough for 50 writers racing on one secret; each lost race costs one claim attempt. */
const MAX_WRITE_ATTEMPTS = 200;
export const DEFAULT_EFFECTIVE_PAGE = 1000;

type Item = Record<string, unknown>;

/**
 * A current item as the domain sees it. Scope and name come from the item's key, never from its own fields:
 * an item whose fields disagree with its key (a whole item copied to another partition) is marked, and the
 * service treats it as an integrity failure.
 */
const toSecret = (item: Item): StoredSecret => {
  const secret = stripKeys<StoredSecret>(item);
  const key = secretKeyParts(String(item.pk), String(item.sk));
  const fields = {
    environmentId: secret.environmentId,
    spaceId: secret.spaceId ?? undefined,
    name: secret.name,
  };
  if (!key) return { ...secret, ...fields, misplaced: true };
  const agrees =
    key.environmentId === fields.environmentId && key.spaceId === fields.spaceId && key.name === fields.name;
  return { ...secret, ...key, ...(agrees ? {} : { misplaced: true }) };
};
const toVersion = (item: Item): SecretVersion => {
  const { vkind, ...rest } = stripKeys<SecretVersion & { vkind: SecretVersion["kind"] }>(item);
  return { ...rest, spaceId: rest.spaceId ?? undefined, kind: vkind };
};

/**
 * Secrets at one scope, written by claim-then-update (DESIGN §4): a writer claims the immutable
 * version item n+1, then moves the current item from n to n+1. No multi-item transaction is needed,
 * a crash between the steps is completed by the next writer (roll-forward), and expectedVersion is
 * a compare-and-set on the same conditions.
 */
export class SecretRepository extends RepositoryBase implements SecretStore {
  constructor(
    doc: DocSender,
    table: string,
    private readonly knownScopes: KnownScopes = new KnownScopes(0),
  ) {
    super(doc, table);
  }

  /** Called between claim and update; tests use it to simulate a crash there. */
  afterClaim: ((version: SecretVersion) => Promise<void>) | undefined;

  async write(req: WriteRequest): Promise<WriteResult> {
    const pk = scopePk(req.scope);
    let environmentHasValue: boolean | undefined;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await jitter(attempt);
      let current: StoredSecret | undefined;
      if (attempt === 0 && (req.checks?.scope || req.checks?.environmentValue)) {
        // The common path: scope proof, current item and the environment's item in one round trip.
        const read = await this.readForWrite(req);
        if (!read.scopeExists) return { version: 0, created: false, scopeExists: false };
        current = read.current;
        environmentHasValue = read.environmentHasValue;
      } else {
        current = await this.getCurrentItem(pk, req.name);
      }
      let base: number;
      let secretId: string;
      if (current) {
        base = current.version;
        secretId = current.id;
      } else {
        const latest = await this.latestVersionItem(pk, req.name);
        if (latest?.kind === "value") {
          // A value version without a current item: a creation that stopped after its claim.
          await this.rollForward(latest, null);
          continue;
        }
        base = latest?.version ?? 0;
        secretId = latest?.secretId ?? req.newId;
      }
      const currentVersion = current?.version ?? 0;
      if (req.expectedVersion !== undefined && req.expectedVersion !== currentVersion) {
        throw versionMismatch(req.name, req.expectedVersion, currentVersion);
      }
      if (req.change.kind === "tombstone" && !current) {
        throw notFound("name", `secret ${req.name} not found at this scope`);
      }
      const next = base + 1;
      const version: SecretVersion = {
        secretId,
        name: req.name,
        environmentId: req.scope.environmentId,
        spaceId: req.scope.spaceId,
        version: next,
        kind: req.change.kind,
        envelope: req.change.kind === "value" ? await req.change.seal(next) : undefined,
        writeId: randomUUID(),
        createdAt: req.now,
        createdBy: req.actor,
        createdByName: req.actorName,
        rollbackOf: req.rollbackOf,
      };
      if (!(await this.claim(version))) {
        const other = await this.getVersionItem(pk, req.name, next);
        // Our own claim, whose answer was lost and whose retry met it: ours to complete, not a lost race.
        if (other?.writeId !== version.writeId) {
          if (other) await this.rollForward(other, current ? current.version : null);
          continue;
        }
      }
      await this.afterClaim?.(version);
      const completed = await this.complete(version, current ? current.version : null);
      if (completed === false) {
        // Someone rolled our claim forward: the claimed item is ours if its writeId is.
        const stored = await this.getVersionItem(pk, req.name, next);
        if (stored?.writeId !== version.writeId) {
          throw new AppError(
            "internal",
            `secret ${req.name}: version ${next} was claimed twice; please report it`,
          );
        }
      }
      return {
        secret:
          version.kind === "value"
            ? completed === false || completed === true
              ? await this.getCurrentItem(pk, req.name)
              : completed
            : undefined,
        version: next,
        created: !current,
        ...(req.checks?.scope ? { scopeExists: true } : {}),
        ...(environmentHasValue === undefined ? {} : { environmentHasValue }),
      };
    }
    throw new AppError(
      "conflict",
      `secret ${req.name} is being written by many writers at once; retry shortly`,
      {
        key: "name",
        retryAfter: 1,
      },
    );
  }

  /** One consistent BatchGetItem: the current item, and what `req.checks` asks for. */
  private async readForWrite(
    req: WriteRequest,
  ): Promise<{ scopeExists: boolean; current?: StoredSecret; environmentHasValue?: boolean }> {
    const currentKey = { pk: scopePk(req.scope), sk: secretSk(req.name) };
    const scopeKey = req.checks?.scope ? scopeItemKey(req.scope) : undefined;
    const envKey =
      req.checks?.environmentValue && req.scope.spaceId
        ? { pk: scopePk({ environmentId: req.scope.environmentId }), sk: secretSk(req.name) }
        : undefined;
    const items = await this.batchGet(
      [currentKey, ...(scopeKey ? [scopeKey] : []), ...(envKey ? [envKey] : [])],
      true,
    );
    const find = (k: { pk: string; sk: string }) => items.find((i) => i.pk === k.pk && i.sk === k.sk);
    const current = find(currentKey);
    return {
      scopeExists: scopeKey === undefined || find(scopeKey) !== undefined,
      ...(current ? { current: toSecret(current) } : {}),
      ...(req.checks?.environmentValue
        ? { environmentHasValue: envKey !== undefined && find(envKey) !== undefined }
        : {}),
    };
  }

  /** Step 1: claim version n+1. Only one writer can hold it. Returns false if it is already claimed. */
  async claim(version: SecretVersion): Promise<boolean> {
    const { kind, ...rest } = version;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: scopePk(version),
            sk: versionSk(version.name, version.version),
            kind: "version",
            vkind: kind,
            ...rest,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw this.translate(e);
    }
  }

  /**
   * Step 2: move the current item from `from` (null = absent) to the claimed version. Returns the new
   * current item (a value), true (a tombstone applied) or false (the condition did not hold).
   */
  private async complete(version: SecretVersion, from: number | null): Promise<StoredSecret | boolean> {
    const Key = { pk: scopePk(version), sk: secretSk(version.name) };
    const condition =
      from === null
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : { ConditionExpression: "version = :from" };
    try {
      if (version.kind === "tombstone") {
        await this.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key,
            ConditionExpression: "version = :from",
            ExpressionAttributeValues: { ":from": from ?? 0 },
          }),
        );
        return true;
      }
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          ...condition,
          // The written item comes back with the write: no read-back call.
          ReturnValues: "ALL_NEW",
          UpdateExpression:
            "SET id = :id, kind = :kind, #n = :name, environmentId = :env, spaceId = :space, version = :v, " +
            "envelope = :envelope, createdAt = if_not_exists(createdAt, :at), updatedAt = :at, updatedBy = :by, " +
            "updatedByName = :byName",
          ExpressionAttributeNames: { "#n": "name" },
          ExpressionAttributeValues: {
            ":id": version.secretId,
            ":kind": "secret",
            ":name": version.name,
            ":env": version.environmentId,
            ":space": version.spaceId ?? null,
            ":v": version.version,
            ":envelope": version.envelope,
            ":at": version.createdAt,
            ":by": version.createdBy,
            ":byName": version.createdByName ?? null,
            ...(from === null ? {} : { ":from": from }),
          },
        }),
      );
      return out.Attributes ? toSecret(out.Attributes) : true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw this.translate(e);
    }
  }

  /** Completes somebody else's half-finished write. Losing the race to complete it is fine. */
  private async rollForward(version: SecretVersion, current: number | null): Promise<void> {
    if (current === null) {
      if (version.kind === "value") await this.complete(version, null);
      return;
    }
    if (current === version.version - 1) await this.complete(version, current);
  }

  async getCurrent(scope: Scope, name: string): Promise<StoredSecret | undefined> {
    return this.getCurrentItem(scopePk(scope), name);
  }

  async getById(id: string): Promise<StoredSecret | undefined> {
    const key = await this.keyById(id, { sk: SECRET_PREFIX });
    if (!key) return undefined;
    const item = await this.call(() =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })),
    );
    return item.Item ? toSecret(item.Item) : undefined;
  }

  async resolve(scope: Scope, name: string): Promise<ResolvedItems> {
    const envKey = { pk: scopePk({ environmentId: scope.environmentId }), sk: secretSk(name) };
    const spaceKey = scope.spaceId ? { pk: scopePk(scope), sk: secretSk(name) } : undefined;
    // The scope's own item proves it exists; a scope seen recently needs no proof on every read.
    const known = this.knownScopes.has(scope);
    const scopeKey = known ? undefined : scopeItemKey(scope);
    const items = await this.batchGet([
      envKey,
      ...(spaceKey ? [spaceKey] : []),
      ...(scopeKey ? [scopeKey] : []),
    ]);
    const find = (k: { pk: string; sk: string }) => items.find((i) => i.pk === k.pk && i.sk === k.sk);
    const env = find(envKey);
    const space = spaceKey ? find(spaceKey) : undefined;
    const scopeExists = known || (scopeKey !== undefined && find(scopeKey) !== undefined);
    if (scopeExists && !known) this.knownScopes.remember(scope);
    return {
      scopeExists,
      environment: env ? toSecret(env) : undefined,
      space: space ? toSecret(space) : undefined,
    };
  }

  async listEffective(scope: Scope, page: PageRequest): Promise<EffectivePage> {
    const limit = pageLimit(page.limit, DEFAULT_EFFECTIVE_PAGE);
    const after = decodeCursor(page.cursor, ["name"])?.name;
    const known = this.knownScopes.has(scope);
    const [scopeItem, envPart, spacePart] = await Promise.all([
      known
        ? { Item: {} }
        : this.call(() =>
            this.doc.send(
              new GetCommand({ TableName: this.table, Key: scopeItemKey(scope), ProjectionExpression: "pk" }),
            ),
          ),
      this.querySecrets(scopePk({ environmentId: scope.environmentId }), after, limit),
      scope.spaceId
        ? this.querySecrets(scopePk(scope), after, limit)
        : Promise.resolve({ items: [], truncated: false }),
    ]);
    // Each partition is ordered by name. A partition that stopped early bounds how far the merge may go.
    const bounds = [envPart, spacePart].filter((p) => p.truncated).map((p) => p.items.at(-1)?.name ?? "");
    const bound = bounds.length ? bounds.sort()[0] : undefined;
    const names = [...new Set([...envPart.items, ...spacePart.items].map((s) => s.name))]
      .filter((n) => bound === undefined || n <= bound)
      .sort();
    const taken = names.slice(0, limit);
    const more = names.length > limit || bound !== undefined;
    const keep = new Set(taken);
    if (scopeItem.Item !== undefined && !known) this.knownScopes.remember(scope);
    return {
      scopeExists: scopeItem.Item !== undefined,
      environment: envPart.items.filter((s) => keep.has(s.name)),
      space: spacePart.items.filter((s) => keep.has(s.name)),
      cursor: more && taken.length ? encodeCursor({ name: taken.at(-1) as string }) : undefined,
    };
  }

  async getVersion(scope: Scope, name: string, version: number): Promise<SecretVersion | undefined> {
    return this.getVersionItem(scopePk(scope), name, version);
  }

  async listVersions(scope: Scope, name: string, page: PageRequest): Promise<Page<SecretVersion>> {
    const pk = scopePk(scope);
    const start = decodeCursor(page.cursor, ["sk"]);
    if (start && !start.sk.startsWith(versionPrefix(name)))
      throw new AppError("invalid_input", "cursor is not valid", { key: "cursor" });
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
          ExpressionAttributeValues: { ":pk": pk, ":p": versionPrefix(name) },
          ExclusiveStartKey: start ? { pk, sk: start.sk } : undefined,
          ScanIndexForward: false,
          Limit: pageLimit(page.limit),
          ConsistentRead: true,
        }),
      ),
    );
    const items = (out.Items ?? []).map(toVersion);
    const lastSk = out.Items?.at(-1)?.sk as string | undefined;
    return { items, cursor: out.LastEvaluatedKey && lastSk ? encodeCursor({ sk: lastSk }) : undefined };
  }

  private async getCurrentItem(pk: string, name: string): Promise<StoredSecret | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: { pk, sk: secretSk(name) }, ConsistentRead: true }),
      ),
    );
    return out.Item ? toSecret(out.Item) : undefined;
  }

  private async getVersionItem(
    pk: string,
    name: string,
    version: number,
  ): Promise<SecretVersion | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk, sk: versionSk(name, version) },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toVersion(out.Item) : undefined;
  }

  private async latestVersionItem(pk: string, name: string): Promise<SecretVersion | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
          ExpressionAttributeValues: { ":pk": pk, ":p": versionPrefix(name) },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    const item = out.Items?.[0];
    return item ? toVersion(item) : undefined;
  }

  private async querySecrets(
    pk: string,
    after: string | undefined,
    limit: number,
  ): Promise<{ items: StoredSecret[]; truncated: boolean }> {
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":pk": pk,
            ":from": after === undefined ? "SECRET#" : secretSkAfter(after),
            ":to": SECRET_UPPER,
          },
          Limit: limit,
        }),
      ),
    );
    return { items: (out.Items ?? []).map(toSecret), truncated: out.LastEvaluatedKey !== undefined };
  }

  /** One BatchGetItem; unprocessed keys (rare, under throttling) are retried with backoff. */
  private async batchGet(keys: Array<{ pk: string; sk: string }>, consistent = false): Promise<Item[]> {
    const found: Item[] = [];
    let pending: Array<Record<string, unknown>> | undefined = keys;
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await jitter(attempt);
      if (attempt > 5)
        throw new AppError("unavailable", "The datastore is throttling reads; retry shortly.", {
          retryAfter: 1,
        });
      const request = pending;
      const out: BatchGetCommandOutput = await this.call(() =>
        this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: { Keys: request, ...(consistent ? { ConsistentRead: true } : {}) },
            },
          }),
        ),
      );
      found.push(...(out.Responses?.[this.table] ?? []));
      pending = out.UnprocessedKeys?.[this.table]?.Keys;
    }
    return found;
  }
}

/** The item whose existence proves a scope: the environment's META or the space's listing item. */
const scopeItemKey = (scope: Scope) =>
  scope.spaceId
    ? { pk: envPk(scope.environmentId), sk: spaceListSk(scope.spaceId) }
    : { pk: envPk(scope.environmentId), sk: META };

function versionMismatch(name: string, expected: number, actual: number): AppError {
  const now = actual === 0 ? "it does not exist" : `it is at version ${actual}`;
  return new AppError(
    "precondition_failed",
    `secret ${name}: expected version ${expected} but ${now}; read it again and retry with the current version`,
    { key: "expectedVersion" },
  );
}

const jitter = (attempt: number) =>
  new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * attempt)));
