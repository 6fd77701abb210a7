import type { Scope } from "../core/types.ts";

/** What the entry points use: as long as API Gateway caches an authorizer answer. */
export const KNOWN_SCOPE_TTL_MS = 60_000;

/**
 * Scopes this process has seen exist, for a bounded time. A warm agent read then asks DynamoDB for the
 * two secret items only (1 RRU instead of 1.5), instead of re-proving on every read that the space
 * exists in its environment. Only positive answers are kept, keyed by environment and space together,
 * so a space is never accepted under another environment. Deleting a scope through this process forgets
 * it at once; a deletion made elsewhere (another Lambda instance) shows after at most `ttlMs`, during
 * which a deleted space still reads as its environment's values, which the caller may read anyway.
 */
export class KnownScopes {
  readonly #expiry = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  has(scope: Scope): boolean {
    if (this.ttlMs <= 0) return false;
    const key = keyOf(scope);
    const until = this.#expiry.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.#expiry.delete(key);
    return false;
  }

  remember(scope: Scope): void {
    if (this.ttlMs <= 0) return;
    const key = keyOf(scope);
    this.#expiry.delete(key);
    this.#expiry.set(key, this.now() + this.ttlMs);
    // Maps iterate in insertion order: the first key is the oldest.
    if (this.#expiry.size > this.maxEntries) this.#expiry.delete(this.#expiry.keys().next().value as string);
  }

  /** Forgets a scope; forgetting an environment forgets its spaces too. */
  forget(scope: Scope): void {
    if (scope.spaceId) {
      this.#expiry.delete(keyOf(scope));
      return;
    }
    const prefix = `${scope.environmentId}\u0000`;
    for (const key of [...this.#expiry.keys()]) if (key.startsWith(prefix)) this.#expiry.delete(key);
  }
}

const keyOf = (scope: Scope) => `${scope.environmentId}\u0000${scope.spaceId ?? ""}`;
