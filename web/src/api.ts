import type {
  AuditEvent,
  CreatedToken,
  CreateTokenRequest,
  Environment,
  Secret,
  SecretVersion,
  SetSecretRequest,
  Space,
  Token,
} from "../../lambdas/api/schemas.ts";

export type { AuditEvent, CreatedToken, Environment, SecretVersion, Space, Token };
export type Role = Token["role"];
/** A secret as the UI keeps it: never with its value (values live only in the reveal state). */
export type SecretRow = Omit<Secret, "value">;

/** An API failure with the server's own messages (errors[].message), ready to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
  ) {
    super(messages.join(" "));
    this.name = "ApiError";
  }
}

interface ListBody<T> {
  data: T[];
  cursor?: string;
}

const MAX_PAGES = 20;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

function messagesOf(body: unknown): string[] | undefined {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const out = errors
    .map((e) => (e as { message?: unknown }).message)
    .filter((m): m is string => typeof m === "string" && m.length > 0);
  return out.length ? out : undefined;
}

/** Drops a value the server may have sent anyway, so list views never hold one. */
function withoutValue(s: Secret): SecretRow {
  const { value: _dropped, ...rest } = s;
  return rest;
}

/** The v1 API as the UI uses it. One instance per signed-in token. */
export class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly onUnauthorized?: () => void,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch {
      throw new ApiError(0, ["Could not reach the server. Check that it is running, then try again."]);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      if (res.status === 401) this.onUnauthorized?.();
      throw new ApiError(
        res.status,
        messagesOf(parsed) ?? [`The server answered ${res.status} ${res.statusText}`.trim()],
      );
    }
    return parsed as T;
  }

  /** Follows cursors so a list view shows everything (bounded, for a runaway server). */
  private async all<T>(path: string, params: Record<string, string | undefined>): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await this.request<ListBody<T>>("GET", path + query({ ...params, limit: 1000, cursor }));
      items.push(...page.data);
      cursor = page.cursor;
      if (!cursor) break;
    }
    return items;
  }

  listEnvironments() {
    return this.all<Environment>("/v1/environments", {});
  }
  async getEnvironment(id: string) {
    return (await this.request<{ data: Environment }>("GET", `/v1/environments/${enc(id)}`)).data;
  }
  async createEnvironment(body: { name: string; id?: string }) {
    return (await this.request<{ data: Environment }>("POST", "/v1/environments", body)).data;
  }
  async renameEnvironment(id: string, name: string) {
    return (await this.request<{ data: Environment }>("PATCH", `/v1/environments/${enc(id)}`, { name })).data;
  }
  /** 409 while it still has spaces or secrets. */
  async deleteEnvironment(id: string) {
    await this.request("DELETE", `/v1/environments/${enc(id)}`);
  }

  listSpaces(environmentId: string) {
    return this.all<Space>("/v1/spaces", { environmentId });
  }
  async createSpace(body: { environmentId: string; name: string; id?: string }) {
    return (await this.request<{ data: Space }>("POST", "/v1/spaces", body)).data;
  }
  async renameSpace(id: string, name: string) {
    return (await this.request<{ data: Space }>("PATCH", `/v1/spaces/${enc(id)}`, { name })).data;
  }
  /** 409 while it still has secrets of its own. */
  async deleteSpace(id: string) {
    await this.request("DELETE", `/v1/spaces/${enc(id)}`);
  }

  /** The effective secrets of a scope, asked for without values (reveal=false: no values, no reveal audit). */
  async listSecrets(environmentId: string, spaceId?: string): Promise<SecretRow[]> {
    const rows = await this.all<Secret>("/v1/secrets", { environmentId, spaceId, reveal: "false" });
    return rows.map(withoutValue);
  }
  async setSecret(body: SetSecretRequest): Promise<SecretRow> {
    return withoutValue((await this.request<{ data: Secret }>("POST", "/v1/secrets", body)).data);
  }
  async deleteSecret(id: string) {
    await this.request("DELETE", `/v1/secrets/${enc(id)}`);
  }
  /** A secret's versions, newest first; the API sends no values in history. */
  listVersions(id: string) {
    return this.all<SecretVersion>(`/v1/secrets/${enc(id)}/versions`, {});
  }
  /** Writes a new version holding `version`'s value; the answer carries no value. */
  async rollback(id: string, version: number): Promise<SecretRow> {
    const { data } = await this.request<{ data: Secret }>("POST", `/v1/secrets/${enc(id)}/rollback`, {
      version,
    });
    return withoutValue(data);
  }
  /** One value, on an explicit request: the server audits the reveal. */
  async revealSecret(id: string): Promise<string> {
    const { data } = await this.request<{ data: Secret }>("GET", `/v1/secrets/${enc(id)}`);
    if (data.value === undefined) throw new ApiError(403, ["This token may not read values."]);
    return data.value;
  }

  listTokens() {
    return this.all<Token>("/v1/tokens", {});
  }
  async createToken(body: CreateTokenRequest) {
    return (await this.request<{ data: CreatedToken }>("POST", "/v1/tokens", body)).data;
  }
  async revokeToken(id: string) {
    return (await this.request<{ data: Token }>("DELETE", `/v1/tokens/${enc(id)}`)).data;
  }

  listAudit(environmentId: string | undefined, cursor?: string) {
    return this.request<ListBody<AuditEvent>>(
      "GET",
      `/v1/audit${query({ environmentId, cursor, limit: 50 })}`,
    );
  }
}

const enc = encodeURIComponent;

/** The text to show for any thrown thing. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return "Something went wrong in the browser. Reload the page and try again.";
}
