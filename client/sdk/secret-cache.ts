import type { Secret } from "./api-types.ts";

interface Entry {
  secret: Secret;
  /** When the service last confirmed it (a 200, or a 304 to a conditional request). */
  at: number;
  /** The ETag it came with, for revalidating it with If-None-Match. */
  etag: string | undefined;
}

/**
 * In-memory, bounded map of secrets read by this process, keyed by scope and name. Used for the
 * revalidating cache and for the opt-in last good values (staleIfError). Never written anywhere else.
 */
export class SecretMemory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(name: string, environmentId: string, spaceId: string | undefined): string {
    return `${environmentId}\u0000${spaceId ?? ""}\u0000${name}`;
  }

  /** The secret if it was stored less than maxAgeMs ago (any age when maxAgeMs is undefined). */
  get(key: string, maxAgeMs?: number): Secret | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (maxAgeMs !== undefined && this.now() - entry.at >= maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.secret;
  }

  /** The entry whatever its age, with whether it is younger than maxAgeMs. */
  peek(key: string, maxAgeMs: number): (Entry & { fresh: boolean }) | undefined {
    const entry = this.entries.get(key);
    return entry && { ...entry, fresh: this.now() - entry.at < maxAgeMs };
  }

  set(key: string, secret: Secret, etag?: string): void {
    this.entries.delete(key);
    this.entries.set(key, { secret, at: this.now(), etag });
    // Maps iterate in insertion order: the first key is the least recently stored.
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** The service confirmed the entry is unchanged (304): it is fresh again. */
  touch(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.set(key, entry.secret, entry.etag);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
