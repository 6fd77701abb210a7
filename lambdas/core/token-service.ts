import { createHash, randomBytes } from "node:crypto";
import { AppError, invalid, notFound } from "./errors.ts";
import { newId } from "./ids.ts";
import type { Clock, PageRequest, ScopeStore, TokenStore } from "./ports.ts";
import { systemClock } from "./ports.ts";
import type { Principal } from "./principal.ts";
import type { Page, Role, Scope, TokenRecord } from "./types.ts";

/** A recognisable prefix lets secret scanners spot a leaked token; 32 random bytes give 256 bits. */
export const TOKEN_PREFIX = "sst_";
const TOKEN_PATTERN = /^sst_[A-Za-z0-9_-]{43}$/;
/** lastUsedAt is written at most this often per token, so reads do not turn into writes. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

export interface CreateTokenInput {
  name: string;
  role: Role;
  environmentId?: string | undefined;
  spaceId?: string | undefined;
  expiresAt?: string | undefined;
  createdBy: string;
}

/** Remembering authenticated principals for a short time (the local server's stand-in for API Gateway's authorizer cache). */
export interface PrincipalCacheOptions {
  /** How long a principal is reused without reading its token again; a revocation by this service applies at once. */
  ttlMs: number;
  /** Most principals kept; the oldest is dropped beyond it. Default 1000. */
  maxEntries?: number;
}

interface CachedPrincipal {
  principal: Principal;
  until: number;
}

/** Tokens: minted once, stored only as SHA-256, checked on every request. */
export class TokenService {
  private readonly clock: Clock;
  // Keyed by token hash, never by the token itself.
  readonly #principals = new Map<string, CachedPrincipal>();
  #generation = 0;
  readonly #cacheStats = { hits: 0, misses: 0 };

  constructor(
    private readonly deps: {
      tokens: TokenStore;
      scopes: ScopeStore;
      clock?: Clock;
      principalCache?: PrincipalCacheOptions;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Returns the record and the token string; the string is never stored or shown again. */
  async create(input: CreateTokenInput): Promise<{ record: TokenRecord; token: string }> {
    if (input.role === "admin" && (input.environmentId || input.spaceId))
      throw invalid(
        "environmentId",
        "admin tokens are not bound to an environment; leave environmentId and spaceId out",
      );
    if (input.role !== "admin" && !input.environmentId)
      throw invalid(
        "environmentId",
        `a ${input.role} token must be bound to an environment: set environmentId`,
      );
    if (input.spaceId) {
      const space = await this.deps.scopes.getSpace(input.spaceId);
      if (!space || space.environmentId !== input.environmentId)
        throw notFound("spaceId", `space ${input.spaceId} not found in environment ${input.environmentId}`);
    } else if (input.environmentId && !(await this.deps.scopes.getEnvironment(input.environmentId))) {
      throw notFound("environmentId", `environment ${input.environmentId} not found`);
    }
    const now = this.clock.now();
    if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now.getTime())
      throw invalid("expiresAt", "expiresAt must be in the future");
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const record: TokenRecord = {
      id: newId("tok"),
      name: input.name,
      role: input.role,
      environmentId: input.environmentId,
      spaceId: input.spaceId,
      expiresAt: input.expiresAt === undefined ? undefined : new Date(input.expiresAt).toISOString(),
      createdAt: now.toISOString(),
      createdBy: input.createdBy,
    };
    await this.deps.tokens.putToken(record, hashToken(token));
    // A scope deleted while this token was being written revoked its tokens without seeing this one.
    if (input.environmentId && !(await this.#scopeExists(input.environmentId, input.spaceId))) {
      await this.deps.tokens.revokeToken(record.id, this.clock.now().toISOString()).catch(() => undefined);
      throw input.spaceId
        ? notFound("spaceId", `space ${input.spaceId} not found in environment ${input.environmentId}`)
        : notFound("environmentId", `environment ${input.environmentId} not found`);
    }
    return { record, token };
  }

  async #scopeExists(environmentId: string, spaceId: string | undefined): Promise<boolean> {
    if (spaceId) return (await this.deps.scopes.getSpaceIn(environmentId, spaceId)) !== undefined;
    return (await this.deps.scopes.getEnvironment(environmentId)) !== undefined;
  }

  /**
   * Revokes every token bound to a scope that is being deleted (an environment: its own and its spaces'),
   * so an environment or space re-created under the same id is not reachable with the old tokens.
   * This service stops accepting them at once; other instances within their principal cache window.
   * With `createdBefore` (a scope just created under an old id), only tokens older than the new scope go:
   * a backstop for a deletion whose revocation failed or missed a token.
   */
  async revokeScope(scope: Scope, createdBefore?: string): Promise<number> {
    try {
      return await this.deps.tokens.revokeTokensOfScope(scope, this.clock.now().toISOString(), createdBefore);
    } finally {
      this.#generation++;
      this.#principals.clear();
    }
  }

  /**
   * Turns a bearer token into a principal, or throws 401. Every failure gives the same message, so a
   * caller cannot tell a revoked token from one that never existed.
   */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw unauthorized("send Authorization: Bearer <token>");
    if (!TOKEN_PATTERN.test(token)) throw unauthorized("the token is not valid; check it was copied whole");
    const hash = hashToken(token);
    const cached = this.#cachedPrincipal(hash);
    if (cached) return cached;
    const generation = this.#generation;
    const record = await this.deps.tokens.getTokenByHash(hash);
    const now = this.clock.now();
    if (!record || record.revokedAt || (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()))
      throw unauthorized("the token is unknown, revoked or expired; ask an admin for a new one");
    if (!record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
      const notAfter = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
      // Best effort: a failed lastUsedAt update must not fail the request it describes.
      await this.deps.tokens.touchToken(hash, now.toISOString(), notAfter).catch(() => undefined);
    }
    const principal: Principal = {
      tokenId: record.id,
      name: record.name,
      role: record.role,
      environmentId: record.environmentId,
      spaceId: record.spaceId,
      expiresAt: record.expiresAt,
    };
    // A revoke that ran while the record was being read bumped the generation: then remember nothing.
    if (this.deps.principalCache && generation === this.#generation) {
      const { ttlMs, maxEntries = 1000 } = this.deps.principalCache;
      const expires = record.expiresAt ? Date.parse(record.expiresAt) : Number.POSITIVE_INFINITY;
      this.#principals.delete(hash);
      this.#principals.set(hash, { principal, until: Math.min(now.getTime() + ttlMs, expires) });
      for (const oldest of this.#principals.keys()) {
        if (this.#principals.size <= maxEntries) break;
        this.#principals.delete(oldest);
      }
    }
    return { ...principal };
  }

  /** Hits and misses of the principal cache (zero when it is off). */
  principalCacheStats(): { hits: number; misses: number; size: number } {
    return { ...this.#cacheStats, size: this.#principals.size };
  }

  #cachedPrincipal(hash: string): Principal | undefined {
    if (!this.deps.principalCache) return undefined;
    const entry = this.#principals.get(hash);
    if (entry && entry.until > this.clock.now().getTime()) {
      this.#cacheStats.hits++;
      return { ...entry.principal };
    }
    if (entry) this.#principals.delete(hash);
    this.#cacheStats.misses++;
    return undefined;
  }

  list(page: PageRequest): Promise<Page<TokenRecord>> {
    return this.deps.tokens.listTokens(page);
  }

  async get(id: string): Promise<TokenRecord> {
    const record = await this.deps.tokens.getTokenById(id);
    if (!record) throw notFound("tokenId", `token ${id} not found`);
    return record;
  }

  /** Revokes the token; this service stops accepting it at once (its cached principals are dropped). */
  async revoke(id: string): Promise<TokenRecord> {
    try {
      return await this.deps.tokens.revokeToken(id, this.clock.now().toISOString());
    } finally {
      this.#generation++;
      this.#principals.clear();
    }
  }
}

const unauthorized = (message: string) => new AppError("unauthorized", message, { key: "Authorization" });
