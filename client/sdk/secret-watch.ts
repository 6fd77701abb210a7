import type { Secret } from "./api-types.ts";
import type { ApiResponse } from "./http.ts";

/** One name whose effective value in the watched scope changed. Never carries a value. */
export interface SecretChange {
  name: string;
  /**
   * `added`: the scope did not have the name; `changed`: a new effective value (a new version, a
   * rollback, or a space override added or removed); `removed`: the scope no longer has it.
   */
  kind: "added" | "changed" | "removed";
  /** The effective version now (absent when removed). */
  version?: number | undefined;
  /** The version before (absent when added). */
  previousVersion?: number | undefined;
  /** Where the effective value now comes from (absent when removed). */
  source?: "environment" | "space" | undefined;
}

export interface SecretsChangeEvent {
  environmentId: string;
  spaceId: string | undefined;
  /** Sorted by name. */
  changes: SecretChange[];
  /** When the poll that saw the change answered. */
  at: Date;
}

export type ChangeCallback = (event: SecretsChangeEvent) => unknown;

export interface WatchOptions {
  /** How often to ask (a conditional request per page: 304 when nothing changed). Default: the client's cacheTtlMs, else 30 s. */
  intervalMs?: number | undefined;
  /** A failed poll (the watch keeps going) or a callback that threw. */
  onError?: ((error: unknown) => void) | undefined;
  /**
   * The secrets the caller already holds (names, ids and versions; values are ignored): the first poll
   * reports what differs from them. Default: the first poll is the baseline and reports nothing.
   */
  initial?: ReadonlyArray<Pick<Secret, "name" | "id" | "version" | "spaceId">> | undefined;
}

/** A running watch. */
export interface SecretsWatch {
  /** Stops polling; no callback runs after this returns. */
  stop(): void;
  /** Settles after the first poll (whether it succeeded or not). */
  readonly ready: Promise<void>;
  /** The failure of the latest poll, or undefined when it succeeded. */
  readonly lastError: unknown;
}

type Snapshot = Map<string, Pick<Secret, "name" | "id" | "version" | "spaceId">>;

/** One page of `GET /v1/secrets?reveal=false`, conditionally: `ifNoneMatch` → a 304 when unchanged. */
export type FetchPage = (
  cursor: string | undefined,
  ifNoneMatch: string | undefined,
) => Promise<ApiResponse<Secret[]>>;

/**
 * Polls a scope's effective secrets without values and reports which names changed. Each page is
 * asked for with the ETag it last came with, so an unchanged scope costs one 304 per page and poll:
 * nothing decrypted, no value on the wire, no reveal in the audit log.
 */
export class SecretWatcher implements SecretsWatch {
  lastError: unknown;
  readonly ready: Promise<void>;
  private snapshot: Snapshot | undefined;
  private readonly pages = new Map<string, { etag: string; items: Secret[]; next: string | undefined }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly scope: { environmentId: string; spaceId?: string | undefined },
    private readonly fetchPage: FetchPage,
    private readonly callback: ChangeCallback,
    private readonly options: WatchOptions & { intervalMs: number; onChange?: (names: string[]) => void },
  ) {
    if (options.initial) this.snapshot = snapshotOf(options.initial);
    this.ready = this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One poll, then the next one scheduled (after the callback settled, so callbacks never overlap). */
  private async tick(): Promise<void> {
    try {
      const current = await this.poll();
      if (this.stopped) return;
      this.lastError = undefined;
      const before = this.snapshot;
      this.snapshot = current;
      const changes = before ? diff(before, current) : [];
      if (changes.length) {
        this.options.onChange?.(changes.map((c) => c.name));
        await this.deliver({
          environmentId: this.scope.environmentId,
          spaceId: this.scope.spaceId,
          changes,
          at: new Date(),
        });
      }
    } catch (e) {
      if (this.stopped) return;
      this.lastError = e;
      this.report(e);
    } finally {
      if (!this.stopped) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.tick(), this.options.intervalMs);
      }
    }
  }

  private async deliver(event: SecretsChangeEvent): Promise<void> {
    try {
      await this.callback(event);
    } catch (e) {
      this.report(e);
    }
  }

  private report(e: unknown): void {
    try {
      this.options.onError?.(e);
    } catch {
      // an error handler that throws has nowhere else to go
    }
  }

  private async poll(): Promise<Snapshot> {
    const items: Secret[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const key = cursor ?? "";
      seen.add(key);
      const known = this.pages.get(key);
      const res = await this.fetchPage(cursor, known?.etag);
      let page = known;
      if (res.status !== 304 || !known) {
        page = { etag: res.etag ?? "", items: res.data ?? [], next: res.cursor };
        if (res.etag) this.pages.set(key, page);
        else this.pages.delete(key);
      }
      items.push(...(page?.items ?? []));
      cursor = page?.next;
    } while (cursor && !this.stopped);
    for (const key of this.pages.keys()) if (!seen.has(key)) this.pages.delete(key);
    return snapshotOf(items);
  }
}

const snapshotOf = (items: ReadonlyArray<Pick<Secret, "name" | "id" | "version" | "spaceId">>): Snapshot =>
  new Map(items.map(({ name, id, version, spaceId }) => [name, { name, id, version, spaceId }]));

/** The names whose effective secret (its id and version: a removed override changes the id) differs. */
export function diff(before: Snapshot, after: Snapshot): SecretChange[] {
  const changes: SecretChange[] = [];
  for (const [name, now] of after) {
    const was = before.get(name);
    const source = now.spaceId ? "space" : "environment";
    if (!was) changes.push({ name, kind: "added", version: now.version, source });
    else if (was.id !== now.id || was.version !== now.version)
      changes.push({ name, kind: "changed", version: now.version, previousVersion: was.version, source });
  }
  for (const [name, was] of before)
    if (!after.has(name)) changes.push({ name, kind: "removed", previousVersion: was.version });
  return changes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
