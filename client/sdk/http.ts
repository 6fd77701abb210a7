import type { AuthProvider } from "./aws-iam.ts";
import { codeForStatus, errorDetails, SecretsError } from "./errors.ts";

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

export interface TransportOptions {
  baseUrl: string;
  token: string | undefined;
  /** Supplies (and renews) the token instead of `token`, e.g. awsIam(). */
  auth?: AuthProvider | undefined;
  /** Per attempt, in milliseconds. */
  timeoutMs: number;
  /** Extra attempts for idempotent calls after 429/502/503/504, a timeout or a network error. */
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  fetch: typeof fetch;
  /** Send the token over plain http:// to another machine anyway (default: refuse). */
  allowInsecureHttp?: boolean;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestSpec {
  method: Method;
  /** Starts with /v1/. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiResponse<T> {
  /** 304 when the request's If-None-Match matched: then `data` is undefined. */
  status: number;
  data: T;
  cursor?: string | undefined;
  /** The response's ETag, for a later If-None-Match. */
  etag?: string | undefined;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

/**
 * HTTP to the service: bearer auth, a timeout per attempt, and retries with exponential backoff and
 * full jitter for GETs only (the one method that is always safe to repeat here).
 */
export class Transport {
  private readonly base: string;
  /** The base URL without user info, for messages. */
  readonly displayUrl: string;

  constructor(private readonly options: TransportOptions) {
    const url = new URL(options.baseUrl);
    url.username = "";
    url.password = "";
    this.displayUrl = url.toString().replace(/\/+$/, "");
    this.base = options.baseUrl.replace(/\/+$/, "");
    if (options.token || options.auth) assertSafeTransport(options.baseUrl, options.allowInsecureHttp);
  }

  async request<T>(spec: RequestSpec): Promise<ApiResponse<T>> {
    const idempotent = spec.method === "GET";
    const maxAttempts = idempotent ? 1 + Math.max(0, this.options.retries) : 1;
    let relogged = false;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      let token: string | undefined;
      try {
        token = await this.bearer();
        res = await this.send(spec, token);
      } catch (e) {
        // The auth provider's own errors are already clear; a login that could not get through is retried like the call.
        const error = e instanceof SecretsError ? e : this.networkError(spec, e);
        if (e instanceof SecretsError && !e.unreachable) throw e;
        if (attempt < maxAttempts) {
          await this.pause(attempt, undefined);
          continue;
        }
        throw error;
      }
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel();
        throw redirectError(this.displayUrl, res, spec.method, spec.path);
      }
      if (res.status === 304) {
        await res.body?.cancel();
        return { status: 304, data: undefined as T, etag: res.headers.get("etag") ?? undefined };
      }
      if (res.ok) return this.parse<T>(spec, res);
      // A provider's token was refused (revoked, or expired early): log in again once. A 401 wrote nothing.
      if (res.status === 401 && this.options.auth && token && !relogged) {
        this.options.auth.invalidate(token);
        await res.body?.cancel();
        relogged = true;
        attempt--;
        continue;
      }
      const body = await res.json().catch(() => undefined);
      if (attempt < maxAttempts && RETRY_STATUS.has(res.status)) {
        await this.pause(attempt, res.headers.get("retry-after"));
        continue;
      }
      throw this.httpError(spec, res.status, body);
    }
  }

  private bearer(): Promise<string | undefined> {
    const { auth, token, baseUrl, fetch, timeoutMs } = this.options;
    if (!auth) return Promise.resolve(token);
    // A signed login is replayable against this server until it expires: never over cleartext.
    assertSafeTransport(this.base, this.options.allowInsecureHttp);
    return auth.token({ baseUrl, fetch, timeoutMs });
  }

  private send(spec: RequestSpec, token: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...spec.headers };
    if (token) {
      assertSafeTransport(this.base, this.options.allowInsecureHttp);
      headers.authorization = `Bearer ${token}`;
    }
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(spec.body);
    }
    return this.options.fetch(this.url(spec), {
      method: spec.method,
      headers,
      body,
      // Bodies carry values and tokens: never re-sent to wherever a redirect points.
      redirect: "manual",
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }

  private url(spec: RequestSpec): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.base}${spec.path}${qs ? `?${qs}` : ""}`;
  }

  private async parse<T>(spec: RequestSpec, res: Response): Promise<ApiResponse<T>> {
    const body = (await res.json().catch(() => undefined)) as { data?: T; cursor?: string } | undefined;
    if (!body || typeof body !== "object" || !("data" in body))
      throw new SecretsError(
        `${this.displayUrl} answered ${spec.method} ${spec.path} with something that is not a scoped-secrets response; check SCOPED_SECRETS_URL`,
        { code: "unexpected_response", status: res.status, method: spec.method, path: spec.path },
      );
    return {
      status: res.status,
      data: body.data as T,
      cursor: body.cursor,
      etag: res.headers.get("etag") ?? undefined,
    };
  }

  private httpError(spec: RequestSpec, status: number, body: unknown): SecretsError {
    const errors = errorDetails(body);
    const fallback =
      status >= 500
        ? `the service at ${this.displayUrl} failed with status ${status}; retry later`
        : `${spec.method} ${spec.path} failed with status ${status}`;
    let message = errors ? errors.map((e) => e.message).join("; ") : fallback;
    if (status === 401 && !this.options.token && !this.options.auth)
      message = `no token was sent: pass { token } or set SCOPED_SECRETS_TOKEN (${message})`;
    return new SecretsError(message, {
      code: codeForStatus(status),
      status,
      ...(errors ? { errors } : {}),
      method: spec.method,
      path: spec.path,
    });
  }

  private networkError(spec: RequestSpec, e: unknown): SecretsError {
    const timeout = (e as Error)?.name === "TimeoutError" || (e as Error)?.name === "AbortError";
    if (timeout)
      return new SecretsError(
        `${this.displayUrl} did not answer within ${formatMs(this.options.timeoutMs)}; check that the service is up`,
        { code: "timeout", status: 0, method: spec.method, path: spec.path, cause: e },
      );
    const reason = causeCode(e);
    return new SecretsError(
      `could not reach scoped-secrets at ${this.displayUrl}${reason ? ` (${reason})` : ""}; is the server running and SCOPED_SECRETS_URL right?`,
      { code: "network", status: 0, method: spec.method, path: spec.path, cause: e },
    );
  }

  private pause(attempt: number, retryAfter: string | null | undefined): Promise<void> {
    const random = this.options.random ?? Math.random;
    const cap = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (attempt - 1));
    let ms = random() * cap;
    const seconds = retryAfter ? Number(retryAfter) : Number.NaN;
    if (Number.isFinite(seconds) && seconds > 0) ms = Math.min(this.options.retryMaxMs, seconds * 1000);
    return (this.options.sleep ?? defaultSleep)(ms);
  }
}

/** True for a URL whose host is this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase().replace(/\.$/, "");
    return (
      host === "localhost" ||
      host.endsWith(".localhost") ||
      host === "[::1]" ||
      /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
    );
  } catch {
    return false;
  }
}

/**
 * A bearer token sent over plain http:// can be read (and replayed) by anyone on the path. Refuse it
 * unless the server is on this machine, or the caller said so (allowInsecureHttp /
 * SCOPED_SECRETS_ALLOW_HTTP=1, e.g. behind a TLS-terminating sidecar on a private network).
 */
/** The service never redirects; one that does is misconfigured or not the service. */
export function redirectError(baseUrl: string, res: Response, method: string, path: string): SecretsError {
  const to = res.headers.get("location");
  return new SecretsError(
    `${baseUrl} answered ${method} ${path} with a redirect (${res.status}${to ? ` to ${to}` : ""}), which is not followed: set SCOPED_SECRETS_URL to the service's own URL`,
    { code: "unexpected_response", status: res.status, method, path },
  );
}

export function assertSafeTransport(baseUrl: string, allowInsecureHttp: boolean | undefined): void {
  if (allowInsecureHttp || !/^http:/i.test(baseUrl) || isLoopbackUrl(baseUrl)) return;
  const url = new URL(baseUrl);
  throw new SecretsError(
    `refusing to send a token over plain http:// to ${url.host}: use https://, or allow it with { allowInsecureHttp: true } or SCOPED_SECRETS_ALLOW_HTTP=1 if the network path is trusted`,
    { code: "insecure_transport", status: 0 },
  );
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const formatMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/** ECONNREFUSED, ENOTFOUND…: the low-level reason fetch hides in `cause` (or the cause's own words). */
function causeCode(e: unknown): string | undefined {
  let c: unknown = (e as { cause?: unknown })?.cause;
  const words = (c as Error | undefined)?.message;
  for (let i = 0; i < 4 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string") return code === "ECONNREFUSED" ? "connection refused" : code;
    c = (c as { cause?: unknown }).cause;
  }
  return words || undefined;
}
