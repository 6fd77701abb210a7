import type { Clock } from "../core/ports.ts";
import { systemClock } from "../core/ports.ts";
import { canonicalJson } from "./encryption-context.ts";
import type { KeyringContext } from "./keyring.ts";

/** Longest time an unwrapped data key may stay in memory: revoking KMS access takes effect within it. */
/** Entries kept by default: one unwrapped 32-byte data key per secret version, plus the map's overhead. */
export const DEFAULT_MAX_ENTRIES = 20_000;

export const MAX_DATA_KEY_TTL_MS = 5 * 60_000;

/** Options of a DataKeyCache. */
export interface DataKeyCacheOptions {
  /** Most entries kept; the least recently used is dropped beyond it. Default 20,000: a 10,000-secret listing then stays off the keyring (≈ 3 MB at most). */
  maxEntries?: number;
  /** Lifetime of an entry from when it was stored, at most 5 minutes. Default 5 minutes. */
  ttlMs?: number;
  clock?: Clock;
}

/** Identifies a wrapped data key as stored in an envelope, with the context it must unwrap under. */
export interface DataKeyRef {
  keyId: string;
  /** base64, as in the envelope */
  wrappedKey: string;
  context: KeyringContext;
}

/** Counters of a DataKeyCache. Each miss is one keyring call; hits cost none. */
export interface DataKeyCacheStats {
  hits: number;
  misses: number;
  size: number;
}

interface Entry {
  dataKey: Buffer;
  expiresAt: number;
}

/**
 * A bounded, expiring, least-recently-used cache of unwrapped data keys. It never holds secret values.
 * Keys include the context, so a wrapped key presented under another context misses and goes to the keyring,
 * which then refuses it. Callers get copies and may zero them.
 */
export class DataKeyCache {
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  // ES private fields, so inspecting or logging the cache never prints a data key.
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<Buffer>>();
  #hits = 0;
  #misses = 0;

  constructor(options: DataKeyCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    const ttlMs = options.ttlMs ?? MAX_DATA_KEY_TTL_MS;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    if (!(ttlMs > 0 && ttlMs <= MAX_DATA_KEY_TTL_MS)) {
      throw new RangeError(`ttlMs must be more than 0 and at most ${MAX_DATA_KEY_TTL_MS}, got ${ttlMs}`);
    }
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
    this.#clock = options.clock ?? systemClock;
  }

  /** A copy of the cached data key, or undefined (counted as a miss). */
  get(ref: DataKeyRef): Buffer | undefined {
    const dataKey = this.#lookup(cacheKey(ref));
    if (dataKey === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return Buffer.from(dataKey);
  }

  /**
   * A copy of the cached data key, or of the one `load` unwraps. Concurrent misses on the same key share one
   * load, so a burst of cold reads costs one keyring call.
   */
  async getOrLoad(ref: DataKeyRef, load: () => Promise<Buffer>): Promise<Buffer> {
    const key = cacheKey(ref);
    const cached = this.#lookup(key);
    if (cached !== undefined) {
      this.#hits++;
      return Buffer.from(cached);
    }
    let loading = this.#loading.get(key);
    if (loading === undefined) {
      this.#misses++;
      loading = load().then((dataKey) => {
        this.#store(key, dataKey);
        return dataKey;
      });
      const settled = (): void => {
        this.#loading.delete(key);
      };
      loading.then(settled, settled);
      this.#loading.set(key, loading);
    } else {
      this.#hits++;
    }
    return Buffer.from(await loading);
  }

  /** Stores a copy of `dataKey`, e.g. right after sealing so the next read costs no keyring call. */
  set(ref: DataKeyRef, dataKey: Buffer): void {
    this.#store(cacheKey(ref), dataKey);
  }

  stats(): DataKeyCacheStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }

  /** Drops (and zeroes) every entry; counters are kept. */
  clear(): void {
    for (const entry of this.#entries.values()) entry.dataKey.fill(0);
    this.#entries.clear();
  }

  #lookup(key: string): Buffer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#clock.now().getTime()) {
      entry.dataKey.fill(0);
      return undefined;
    }
    // Re-inserting moves the entry to the end of the Map's order, which is what makes eviction least-recently-used.
    this.#entries.set(key, entry);
    return entry.dataKey;
  }

  #store(key: string, dataKey: Buffer): void {
    this.#entries.get(key)?.dataKey.fill(0);
    this.#entries.delete(key);
    this.#entries.set(key, {
      dataKey: Buffer.from(dataKey),
      expiresAt: this.#clock.now().getTime() + this.#ttlMs,
    });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.get(oldest)?.dataKey.fill(0);
      this.#entries.delete(oldest);
    }
  }
}

function cacheKey(ref: DataKeyRef): string {
  // A JSON array keeps the parts apart whatever characters a stored keyId or wrappedKey holds.
  return JSON.stringify([ref.keyId, ref.wrappedKey, canonicalJson(ref.context)]);
}
