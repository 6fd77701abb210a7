import type { AuthorizerConfig, CorsConfig } from "./gateway-config.ts";

/**
 * Stage throttling: a token bucket of `burstLimit` tokens refilled at `rateLimit` per second, one token per
 * request. "API Gateway throttles requests to your API using the token bucket algorithm, where a token counts
 * for a request … Clients may receive 429 Too Many Requests error responses at this point."
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html)
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rateLimit: number,
    private readonly burstLimit: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burstLimit;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burstLimit, this.tokens + ((t - this.last) / 1000) * this.rateLimit);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface AuthorizerAnswer {
  isAuthorized: boolean;
  context?: Record<string, unknown> | undefined;
}

/**
 * The authorizer's results, cached per authorizer and identity-source values for AuthorizerResultTtlInSeconds:
 * "If you enable authorization caching, API Gateway uses the authorizer's identity sources as the cache key.
 * If a client specifies the same parameters in identity sources within the configured TTL, API Gateway uses
 * the cached authorizer result, rather than invoking your Lambda function."
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html)
 * So a revoked token keeps working for up to the TTL after its last uncached check.
 */
export class AuthorizerCache {
  private readonly entries = new Map<string, { expires: number; answer: AuthorizerAnswer }>();

  constructor(private readonly now: () => number = Date.now) {}

  key(authorizer: AuthorizerConfig, identity: string[]): string {
    return JSON.stringify([authorizer.logicalId, ...identity]);
  }

  get(key: string): AuthorizerAnswer | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.answer;
  }

  set(key: string, ttlSeconds: number, answer: AuthorizerAnswer): void {
    if (ttlSeconds <= 0) return;
    // Bounded: the oldest entry goes first (a Map iterates in insertion order).
    if (this.entries.size >= 10_000) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { expires: this.now() + ttlSeconds * 1000, answer });
  }
}

/**
 * Validates a simple response: `{"isAuthorized": true|false, "context": {…}}`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html, "Lambda
 * function response for format 2.0"). Anything else is an authorizer error (500).
 */
export function simpleResponse(result: unknown): AuthorizerAnswer | undefined {
  const r = result as { isAuthorized?: unknown; context?: unknown } | null;
  if (r === null || typeof r !== "object" || typeof r.isAuthorized !== "boolean") return undefined;
  const context =
    r.context && typeof r.context === "object" ? (r.context as Record<string, unknown>) : undefined;
  return { isAuthorized: r.isAuthorized, context };
}

/**
 * CORS as configured on the API: "If you configure CORS for an API, API Gateway automatically sends a response
 * to preflight OPTIONS requests, even if there isn't an OPTIONS route configured for your API. For a CORS
 * request, API Gateway adds the configured CORS headers to the response from an integration." — "If you
 * configure CORS for an API, API Gateway ignores CORS headers returned from your backend integration." —
 * "To return CORS headers, your request must include an origin header. For the OPTIONS method, your request
 * must include an origin header and an Access-Control-Request-Method header."
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html)
 */
export function corsHeaders(
  cors: CorsConfig,
  origin: string | undefined,
  preflight: boolean,
): Record<string, string> {
  if (!origin) return {};
  const allowed = cors.allowOrigins.includes("*") || cors.allowOrigins.includes(origin);
  if (!allowed) return {};
  const headers: Record<string, string> = {
    "access-control-allow-origin": cors.allowOrigins.includes("*") && !cors.allowCredentials ? "*" : origin,
  };
  if (cors.allowCredentials) headers["access-control-allow-credentials"] = "true";
  if (preflight) {
    if (cors.allowMethods.length) headers["access-control-allow-methods"] = cors.allowMethods.join(",");
    if (cors.allowHeaders.length) headers["access-control-allow-headers"] = cors.allowHeaders.join(",");
    if (cors.maxAge !== undefined) headers["access-control-max-age"] = String(cors.maxAge);
  } else if (cors.exposeHeaders.length) {
    headers["access-control-expose-headers"] = cors.exposeHeaders.join(",");
  }
  return headers;
}

/** Fills an access-log format's $context variables; unknown or absent ones print "-", as API Gateway does. */
export function accessLogLine(format: string, values: Record<string, string | number | undefined>): string {
  return format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_, name: string) => {
    const v = values[name];
    const text = v === undefined || v === "" ? "-" : String(v);
    // Escaped as in a JSON string, so a value cannot break out of its quotes (JSON formats, or the stack's
    // quoted fields).
    return JSON.stringify(text).slice(1, -1);
  });
}
