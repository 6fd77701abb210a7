import type {
  AuditEvent,
  AwsIdentity,
  CreateAwsIdentityRequest,
  CreatedToken,
  CreateTokenRequest,
  Environment,
  Secret,
  SecretVersion,
  SetSecretRequest,
  Space,
  Token,
  WhoAmI,
} from "./api-types.ts";
import { type AuthProvider, awsIam } from "./aws-iam.ts";
import { SecretsError } from "./errors.ts";
import { type RequestSpec, Transport } from "./http.ts";
import { SecretMemory } from "./secret-cache.ts";
import { type ChangeCallback, type SecretsWatch, SecretWatcher, type WatchOptions } from "./secret-watch.ts";

/** An environment, or a space inside it. */
export interface Scope {
  environmentId: string;
  spaceId?: string | undefined;
}

/** A secret as read by `get`; `stale: true` when it is the last good value served under staleIfError. */
export type ResolvedSecret = Secret & { stale?: true };

/** A stored secret: its id, or its name at exactly this scope (not inherited). */
export type SecretRef = string | ({ name: string } & Scope);

export interface StaleInfo {
  name: string;
  environmentId: string;
  spaceId: string | undefined;
  /** Why the service could not answer; carries no value. */
  error: SecretsError;
}

export interface SecretsClientOptions {
  /** Default: SCOPED_SECRETS_URL. */
  baseUrl?: string | undefined;
  /** Default: SCOPED_SECRETS_TOKEN. */
  token?: string | undefined;
  /**
   * Where tokens come from instead of `token`, e.g. `awsIam()` (no SCOPED_SECRETS_TOKEN needed). Default:
   * `awsIam()` when SCOPED_SECRETS_AUTH=aws-iam and no `token` is passed, so a Listener's default client
   * logs in with the function's role with no code change.
   */
  auth?: AuthProvider | undefined;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for GETs on 429/502/503/504, timeouts and network errors. Default 2. */
  retries?: number;
  /** First backoff cap; doubles per attempt, with full jitter. Default 200 ms. */
  retryBaseMs?: number;
  /** Longest wait between attempts, also the cap on Retry-After. Default 5 s. */
  retryMaxMs?: number;
  /**
   * How long `get` serves a result from memory before asking again. Asking again is a conditional
   * request (If-None-Match): an unchanged secret costs a 304 with no body, nothing decrypted. So a
   * changed value is seen within this interval. Default 30 s; 0: every `get` asks the service in full.
   */
  cacheTtlMs?: number;
  /**
   * When the service cannot be reached (network error, timeout, 429, 502-504 after retries), serve the
   * last value `get` read for the same name and scope, marked `stale: true`. Never after 401/403/404,
   * which also forget the remembered values. Off by default.
   */
  staleIfError?: boolean | { maxAgeMs: number };
  /** Called each time a stale value is served. */
  onStale?: (info: StaleInfo) => void;
  fetch?: typeof fetch;
  /** Where the defaults are read from. Default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Send the token over plain http:// to a host other than this machine. Off by default: anyone on
   * the path could read it. Default: true when SCOPED_SECRETS_ALLOW_HTTP=1.
   */
  allowInsecureHttp?: boolean;
}

/** How long `get` trusts what it read before revalidating it (cacheTtlMs) and how often watch polls. */
export const DEFAULT_REFRESH_MS = 30_000;

interface ListQuery {
  cursor?: string | undefined;
  [key: string]: string | number | undefined;
}

/**
 * The scoped-secrets SDK. Typed from the server's own schemas (type-only imports: no server code
 * ships with it).
 *
 * ```ts
 * const client = new SecretsClient(); // SCOPED_SECRETS_URL, SCOPED_SECRETS_TOKEN
 * const { value } = await client.get("SLACK_TOKEN", { environmentId: "us_env_123" });
 * ```
 */
export class SecretsClient {
  readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly cacheTtlMs: number;
  private readonly cache = new SecretMemory();
  private readonly lastGood = new SecretMemory();
  private readonly staleMaxAgeMs: number | undefined;
  private readonly staleIfError: boolean;
  private readonly onStale: ((info: StaleInfo) => void) | undefined;

  constructor(options: SecretsClientOptions = {}) {
    const env = options.env ?? process.env;
    const baseUrl = options.baseUrl ?? env.SCOPED_SECRETS_URL;
    if (!baseUrl)
      throw new SecretsError("no service URL: pass { baseUrl } or set SCOPED_SECRETS_URL", {
        code: "invalid_input",
        status: 0,
      });
    if (!/^https?:\/\/[^/]/i.test(baseUrl))
      throw new SecretsError("the service URL must start with http:// or https://", {
        code: "invalid_input",
        status: 0,
      });
    this.baseUrl = baseUrl;
    const auth = options.auth ?? authFromEnv(options.token, env);
    this.transport = new Transport({
      baseUrl,
      token: auth ? undefined : (options.token ?? env.SCOPED_SECRETS_TOKEN),
      auth,
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 2,
      retryBaseMs: options.retryBaseMs ?? 200,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      fetch: options.fetch ?? globalThis.fetch,
      allowInsecureHttp:
        options.allowInsecureHttp ?? ["1", "true"].includes(env.SCOPED_SECRETS_ALLOW_HTTP ?? ""),
    });
    this.cacheTtlMs = Math.max(0, options.cacheTtlMs ?? DEFAULT_REFRESH_MS);
    this.staleIfError = Boolean(options.staleIfError);
    this.staleMaxAgeMs = typeof options.staleIfError === "object" ? options.staleIfError.maxAgeMs : undefined;
    this.onStale = options.onStale;
  }

  /**
   * The effective secret `name` in a scope (a space's override, else its environment's value): one
   * request, or none while the cached result is younger than cacheTtlMs (then a conditional one).
   */
  async get(name: string, scope: Scope): Promise<ResolvedSecret> {
    const key = SecretMemory.key(name, scope.environmentId, scope.spaceId);
    const cached = this.cacheTtlMs > 0 ? this.cache.peek(key, this.cacheTtlMs) : undefined;
    if (cached?.fresh) return cached.secret;
    try {
      const res = await this.request<Secret[]>({
        method: "GET",
        path: "/v1/secrets",
        query: { environmentId: scope.environmentId, spaceId: scope.spaceId, name },
        ...(cached?.etag ? { headers: { "if-none-match": cached.etag } } : {}),
      });
      if (res.status === 304 && cached) {
        this.cache.touch(key);
        if (this.staleIfError && cached.secret.value !== undefined) this.lastGood.set(key, cached.secret);
        return cached.secret;
      }
      const secret = res.data?.[0];
      if (!secret || secret.name !== name) throw notFound(name, scope);
      if (this.cacheTtlMs > 0) this.cache.set(key, secret, res.etag);
      if (this.staleIfError && secret.value !== undefined) this.lastGood.set(key, secret);
      return secret;
    } catch (e) {
      if (!(e instanceof SecretsError)) throw e;
      if (e.status === 401 || e.status === 403) {
        // The token is no longer good (or never was for this scope): forget everything it read.
        this.forgetAll();
      } else if (e.status === 404) {
        this.lastGood.delete(key);
        this.cache.delete(key);
        throw notFound(name, scope, e);
      } else if (this.staleIfError && e.unreachable) {
        const last = this.lastGood.get(key, this.staleMaxAgeMs);
        if (last) {
          this.onStale?.({ name, environmentId: scope.environmentId, spaceId: scope.spaceId, error: e });
          return { ...last, stale: true };
        }
      }
      throw e;
    }
  }

  /**
   * Calls `callback` with the names (and versions, never values) whose effective secret in `scope`
   * changed: added, changed (a new version, a rollback, an override added or removed) or removed. Polls
   * every `intervalMs` (default: cacheTtlMs, else 30 s) with conditional requests without values, so an
   * unchanged scope costs one 304 per poll. A change also drops those names from `get`'s cache. The
   * watch keeps the process alive until `stop()`.
   */
  watch(scope: Scope, callback: ChangeCallback, options: WatchOptions = {}): SecretsWatch {
    const intervalMs = options.intervalMs ?? (this.cacheTtlMs || DEFAULT_REFRESH_MS);
    if (!(intervalMs > 0))
      throw new RangeError("watch: intervalMs must be a positive number of milliseconds");
    return new SecretWatcher(
      scope,
      (cursor, etag) =>
        this.request<Secret[]>({
          method: "GET",
          path: "/v1/secrets",
          query: { environmentId: scope.environmentId, spaceId: scope.spaceId, reveal: "false", cursor },
          ...(etag ? { headers: { "if-none-match": etag } } : {}),
        }).catch((e: unknown) => {
          if (e instanceof SecretsError && (e.status === 401 || e.status === 403)) this.forgetAll();
          throw e;
        }),
      callback,
      {
        ...options,
        intervalMs,
        onChange: (names) => {
          for (const n of names) this.cache.delete(SecretMemory.key(n, scope.environmentId, scope.spaceId));
        },
      },
    );
  }

  /** The value of `get`; fails clearly when the token's role may not read values (operator). */
  async getValue(name: string, scope: Scope): Promise<string> {
    const secret = await this.get(name, scope);
    if (secret.value === undefined)
      throw new SecretsError(
        `this token may not read values (only admin and agent tokens can); ${name} exists in ${describeScope(scope)}`,
        { code: "forbidden", status: 403 },
      );
    return secret.value;
  }

  /** Every effective secret of a scope, all pages. `reveal: false` omits values (and their audit event). */
  list(scope: Scope, options: { reveal?: boolean } = {}): Promise<Secret[]> {
    return this.all<Secret>("/v1/secrets", {
      environmentId: scope.environmentId,
      spaceId: scope.spaceId,
      reveal: options.reveal === false ? "false" : undefined,
    });
  }

  /** Creates or updates a value at a scope. `expectedVersion: 0` creates only; a mismatch is a 412. */
  async set(input: SetSecretRequest): Promise<{ secret: Secret; created: boolean }> {
    const { status, data } = await this.request<Secret>({ method: "POST", path: "/v1/secrets", body: input });
    this.cache.clear(); // this client's own writes are never hidden by its TTL cache
    return { secret: data, created: status === 201 };
  }

  /** Removes the value at its own scope (history is kept); a removed space override lets the environment's show. */
  async delete(ref: SecretRef): Promise<{ id: string; version?: number | undefined }> {
    const id = await this.idOf(ref);
    const { data } = await this.request<{ id: string; version?: number }>({
      method: "DELETE",
      path: `/v1/secrets/${encodeURIComponent(id)}`,
    });
    this.cache.clear();
    return data;
  }

  /** Version history, newest first, without values. */
  async versions(ref: SecretRef): Promise<SecretVersion[]> {
    const id = await this.idOf(ref);
    return this.all<SecretVersion>(`/v1/secrets/${encodeURIComponent(id)}/versions`, {});
  }

  /** Writes a new version holding `version`'s value. */
  async rollback(ref: SecretRef, version: number): Promise<Secret> {
    const id = await this.idOf(ref);
    const { data } = await this.request<Secret>({
      method: "POST",
      path: `/v1/secrets/${encodeURIComponent(id)}/rollback`,
      body: { version },
    });
    this.cache.clear();
    return data;
  }

  /** One stored secret by id (its own scope's value, for roles that may read values). */
  async getById(secretId: string, options: { reveal?: boolean } = {}): Promise<Secret> {
    const { data } = await this.request<Secret>({
      method: "GET",
      path: `/v1/secrets/${encodeURIComponent(secretId)}`,
      query: { reveal: options.reveal === false ? "false" : undefined },
    });
    return data;
  }

  readonly environments = {
    create: async (input: { name: string; id?: string | undefined }): Promise<Environment> =>
      (await this.request<Environment>({ method: "POST", path: "/v1/environments", body: input })).data,
    list: (): Promise<Environment[]> => this.all<Environment>("/v1/environments", {}),
    get: async (id: string): Promise<Environment> =>
      (await this.request<Environment>({ method: "GET", path: `/v1/environments/${encodeURIComponent(id)}` }))
        .data,
    rename: async (id: string, name: string): Promise<Environment> =>
      (
        await this.request<Environment>({
          method: "PATCH",
          path: `/v1/environments/${encodeURIComponent(id)}`,
          body: { name },
        })
      ).data,
    delete: async (id: string): Promise<void> => {
      await this.request({ method: "DELETE", path: `/v1/environments/${encodeURIComponent(id)}` });
    },
  };

  readonly spaces = {
    create: async (input: { environmentId: string; name: string; id?: string | undefined }): Promise<Space> =>
      (await this.request<Space>({ method: "POST", path: "/v1/spaces", body: input })).data,
    list: (environmentId?: string): Promise<Space[]> => this.all<Space>("/v1/spaces", { environmentId }),
    get: async (id: string): Promise<Space> =>
      (await this.request<Space>({ method: "GET", path: `/v1/spaces/${encodeURIComponent(id)}` })).data,
    rename: async (id: string, name: string): Promise<Space> =>
      (
        await this.request<Space>({
          method: "PATCH",
          path: `/v1/spaces/${encodeURIComponent(id)}`,
          body: { name },
        })
      ).data,
    delete: async (id: string): Promise<void> => {
      await this.request({ method: "DELETE", path: `/v1/spaces/${encodeURIComponent(id)}` });
    },
  };

  readonly tokens = {
    /** The token string is in this result only. */
    create: async (input: CreateTokenRequest): Promise<CreatedToken> =>
      (await this.request<CreatedToken>({ method: "POST", path: "/v1/tokens", body: input })).data,
    list: (): Promise<Token[]> => this.all<Token>("/v1/tokens", {}),
    revoke: async (id: string): Promise<void> => {
      await this.request({ method: "DELETE", path: `/v1/tokens/${encodeURIComponent(id)}` });
    },
  };

  /** IAM roles bound to a role and scope, for agents that log in with awsIam() (admin). */
  readonly awsIdentities = {
    create: async (input: CreateAwsIdentityRequest): Promise<AwsIdentity> =>
      (await this.request<AwsIdentity>({ method: "POST", path: "/v1/aws-identities", body: input })).data,
    list: (): Promise<AwsIdentity[]> => this.all<AwsIdentity>("/v1/aws-identities", {}),
    delete: async (id: string): Promise<void> => {
      await this.request({ method: "DELETE", path: `/v1/aws-identities/${encodeURIComponent(id)}` });
    },
  };

  /** Who changed or revealed what, newest first; one page at a time. */
  async audit(
    query: { environmentId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ items: AuditEvent[]; cursor?: string | undefined }> {
    const res = await this.request<AuditEvent[]>({ method: "GET", path: "/v1/audit", query });
    return { items: res.data, cursor: res.cursor };
  }

  /** The calling token's id, name, role and scope. */
  async whoami(): Promise<WhoAmI> {
    return (await this.request<WhoAmI>({ method: "GET", path: "/v1/whoami" })).data;
  }

  /** `{ ok: true, version }` when the service is up; needs no token. */
  async health(): Promise<{ ok: true; version: string }> {
    return (await this.request<{ ok: true; version: string }>({ method: "GET", path: "/v1/health" })).data;
  }

  private forgetAll(): void {
    this.lastGood.clear();
    this.cache.clear();
  }

  private request<T>(spec: RequestSpec) {
    return this.transport.request<T>(spec);
  }

  private async all<T>(path: string, query: ListQuery): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.request<T[]>({ method: "GET", path, query: { ...query, cursor } });
      items.push(...page.data);
      cursor = page.cursor;
    } while (cursor);
    return items;
  }

  /** A ref's id; a name must have a value of its own at exactly that scope. */
  private async idOf(ref: SecretRef): Promise<string> {
    if (typeof ref === "string") return ref;
    const scope = { environmentId: ref.environmentId, spaceId: ref.spaceId };
    const { data } = await this.request<Secret[]>({
      method: "GET",
      path: "/v1/secrets",
      query: { ...scope, name: ref.name, reveal: "false" },
    }).catch((e: unknown) => {
      throw e instanceof SecretsError && e.status === 404 ? notFound(ref.name, scope, e) : e;
    });
    const secret = data[0];
    if (!secret) throw notFound(ref.name, scope);
    if (secret.spaceId !== (ref.spaceId ?? null))
      throw new SecretsError(
        `${ref.name} has no value of its own in space ${ref.spaceId}; it inherits the value of environment ${ref.environmentId}`,
        { code: "not_found", status: 404 },
      );
    return secret.id;
  }
}

/** "environment E" or "space S of environment E". */
export function describeScope(scope: Scope): string {
  return scope.spaceId
    ? `space ${scope.spaceId} of environment ${scope.environmentId}`
    : `environment ${scope.environmentId}`;
}

/** A 404 that names the secret and the scope, whatever part of it was missing. */
function notFound(name: string, scope: Scope, cause?: SecretsError): SecretsError {
  const base = `secret ${name} not found in ${describeScope(scope)}`;
  const server = cause?.errors.map((e) => e.message).join("; ");
  const message =
    !server || server.startsWith(`secret ${name} not found`)
      ? base
      : `${base}: ${server} (or this token may not see it)`;
  return new SecretsError(message, {
    code: "not_found",
    status: 404,
    errors: cause?.errors ?? [{ key: "name", message }],
    ...(cause?.method ? { method: cause.method } : {}),
    ...(cause?.path ? { path: cause.path } : {}),
  });
}

/** SCOPED_SECRETS_AUTH: unset or "token" (SCOPED_SECRETS_TOKEN), or "aws-iam" (the process's AWS identity). */
export function authModeFromEnv(env: Record<string, string | undefined>): "token" | "aws-iam" {
  const mode = env.SCOPED_SECRETS_AUTH?.trim().toLowerCase() || "token";
  if (mode === "token" || mode === "aws-iam") return mode;
  throw new SecretsError(
    `SCOPED_SECRETS_AUTH must be "aws-iam" or "token", not "${env.SCOPED_SECRETS_AUTH}"`,
    {
      code: "invalid_input",
      status: 0,
    },
  );
}

function authFromEnv(
  token: string | undefined,
  env: Record<string, string | undefined>,
): AuthProvider | undefined {
  return token === undefined && authModeFromEnv(env) === "aws-iam" ? awsIam({ env }) : undefined;
}
