import { AppError } from "./errors.ts";
import type { Clock } from "./ports.ts";
import { systemClock } from "./ports.ts";

export interface BucketRule {
  /** Attempts allowed at once. */
  burst: number;
  /** Attempts regained per minute. */
  perMinute: number;
}

/** Default login limits per API instance (SECURITY.md, docs/deploy.md). */
export const LOGIN_LIMITS = {
  perAddress: { burst: 30, perMinute: 30 },
  perRole: { burst: 60, perMinute: 60 },
} as const satisfies Record<string, BucketRule>;

const MAX_KEYS = 10_000;

/**
 * Token buckets in memory, one per key (a client address, a role ARN). Bounded: beyond MAX_KEYS the
 * least recently used key is forgotten, so a flood of addresses costs memory once, not forever.
 */
export class LoginThrottle {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  private readonly clock: Clock;

  constructor(
    private readonly rules: { perAddress: BucketRule; perRole: BucketRule } = LOGIN_LIMITS,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  /** Throws 429 with Retry-After when the address has no attempt left. */
  address(address: string | undefined): void {
    this.take(`ip:${address ?? "unknown"}`, this.rules.perAddress);
  }

  /** Throws 429 with Retry-After when the role has logged in too often. */
  role(canonicalArn: string): void {
    this.take(`role:${canonicalArn}`, this.rules.perRole);
  }

  private take(key: string, rule: BucketRule): void {
    const now = this.clock.now().getTime();
    const rate = rule.perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: rule.burst, at: now };
    bucket.tokens = Math.min(rule.burst, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    for (const oldest of this.#buckets.keys()) {
      if (this.#buckets.size <= MAX_KEYS) break;
      this.#buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
    throw new AppError("throttled", `too many AWS login attempts; retry after ${retryAfter} s`, {
      key: "",
      retryAfter,
    });
  }
}
