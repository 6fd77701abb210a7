import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import type { AwsLoginResult } from "./api-types.ts";
import { codeForStatus, errorDetails, SecretsError } from "./errors.ts";
import { redirectError } from "./http.ts";

/** What a client needs to fetch a token: where the service is and how to reach it. */
export interface AuthContext {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** Supplies the bearer token for each request, renewing it as needed (e.g. `awsIam()`). */
export interface AuthProvider {
  /** A token good for the next request. */
  token(context: AuthContext): Promise<string>;
  /** The service refused `token` (401): forget it, so the next call logs in again. */
  invalidate(token: string): void;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface AwsIamOptions {
  /** The server id of the deployment (its stack output ServerId). Default: SCOPED_SECRETS_SERVER_ID. */
  serverId?: string | undefined;
  /** Region to sign for; default AWS_REGION, AWS_DEFAULT_REGION, else the global STS endpoint (us-east-1). */
  region?: string | undefined;
  /** The STS endpoint the server verifies with, if not the region's (AWS_ENDPOINT_URL_STS). */
  stsEndpoint?: string | undefined;
  /** Ask for a token shorter than the binding's lifetime (60-3600 s). */
  ttlSeconds?: number | undefined;
  /** Credentials or a provider; default the AWS SDK's default chain (env, profile, container, instance). */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>) | undefined;
  /** Where defaults are read from. Default process.env. */
  env?: Record<string, string | undefined> | undefined;
}

const SERVER_ID_HEADER = "x-scoped-secrets-server-id";
const BODY = "Action=GetCallerIdentity&Version=2011-06-15";
/** Renew when this share of a token's life is left (or 30 s, whichever is more). */
const RENEW_WHEN_LEFT = 0.2;

/**
 * Log in with the AWS identity this process already has (a Lambda function's or ECS task's role, a
 * profile): signs sts:GetCallerIdentity, exchanges it at POST /v1/auth/aws for a short-lived token, and
 * renews that token before it expires. Needs the optional packages `@smithy/signature-v4` and
 * `@aws-sdk/credential-provider-node`, loaded only here.
 *
 * ```ts
 * const client = new SecretsClient({ auth: awsIam() }); // SCOPED_SECRETS_URL, SCOPED_SECRETS_SERVER_ID
 * ```
 */
export function awsIam(options: AwsIamOptions = {}): AuthProvider {
  const env = options.env ?? process.env;
  let current: { token: string; renewAt: number; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  let credentials: (() => Promise<AwsCredentials>) | undefined;

  const login = async (context: AuthContext): Promise<string> => {
    const serverId = options.serverId ?? env.SCOPED_SECRETS_SERVER_ID;
    if (!serverId)
      throw new SecretsError(
        "awsIam(): no server id: pass { serverId } or set SCOPED_SECRETS_SERVER_ID (the stack's ServerId output; DATA_DIR/server-id for a local server)",
        { code: "invalid_input", status: 0 },
      );
    const target = stsTarget(options, env);
    credentials ??= await credentialSource(options.credentials);
    const signed = await sign(target, serverId, await credentials());
    const path = "/v1/auth/aws";
    const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
    let res: Response;
    try {
      res = await context.fetch(`${context.baseUrl.replace(/\/+$/, "")}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          iamHttpRequestMethod: "POST",
          iamRequestUrl: b64(target.url.toString()),
          iamRequestHeaders: b64(JSON.stringify(signed)),
          iamRequestBody: b64(BODY),
          ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}),
        }),
        // A signed login is replayable against this server: never re-sent to wherever a redirect points.
        redirect: "manual",
        signal: AbortSignal.timeout(context.timeoutMs),
      });
    } catch (e) {
      throw new SecretsError(`AWS login: could not reach scoped-secrets at ${context.baseUrl}`, {
        code: (e as Error)?.name === "TimeoutError" ? "timeout" : "network",
        status: 0,
        method: "POST",
        path,
        cause: e,
      });
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw redirectError(context.baseUrl, res, "POST", path);
    }
    const body = (await res.json().catch(() => undefined)) as { data?: AwsLoginResult } | undefined;
    if (!res.ok || !body?.data?.token) {
      const errors = errorDetails(body);
      const message = errors?.map((e) => e.message).join("; ") ?? `status ${res.status}`;
      throw new SecretsError(`AWS login failed: ${message}`, {
        code: res.ok ? "unexpected_response" : codeForStatus(res.status),
        status: res.status,
        ...(errors ? { errors } : {}),
        method: "POST",
        path,
      });
    }
    const now = Date.now();
    const expiresAt = Date.parse(body.data.expiresAt);
    const life = Math.max(0, expiresAt - now);
    current = {
      token: body.data.token,
      expiresAt,
      renewAt: expiresAt - Math.max(30_000, life * RENEW_WHEN_LEFT),
    };
    return current.token;
  };

  return {
    token(context) {
      if (current && Date.now() < current.renewAt) return Promise.resolve(current.token);
      pending ??= login(context).finally(() => {
        pending = undefined;
      });
      // While a renewal runs, a still-valid token keeps serving (a failed renewal is retried next call).
      if (current && Date.now() < current.expiresAt - 5_000) {
        pending.catch(() => undefined);
        return Promise.resolve(current.token);
      }
      return pending;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}

interface StsTarget {
  url: URL;
  region: string;
}

/** The STS endpoint to sign for: it must be the one the server sends logins to. */
function stsTarget(options: AwsIamOptions, env: Record<string, string | undefined>): StsTarget {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const custom = options.stsEndpoint ?? env.AWS_ENDPOINT_URL_STS;
  if (custom) return { url: new URL(`${new URL(custom).origin}/`), region: region ?? "us-east-1" };
  if (region) return { url: new URL(`https://sts.${region}.amazonaws.com/`), region };
  return { url: new URL("https://sts.amazonaws.com/"), region: "us-east-1" };
}

async function credentialSource(given: AwsIamOptions["credentials"]): Promise<() => Promise<AwsCredentials>> {
  if (typeof given === "function") return given;
  if (given) return async () => given;
  const mod = await optional<typeof import("@aws-sdk/credential-provider-node")>(
    "@aws-sdk/credential-provider-node",
  );
  // The default chain: environment, SSO/profile, web identity, ECS container and EC2 instance roles.
  return mod.defaultProvider();
}

/** The signed GetCallerIdentity's headers, Authorization included. */
async function sign(
  target: StsTarget,
  serverId: string,
  credentials: AwsCredentials,
): Promise<Record<string, string>> {
  const { SignatureV4 } = await optional<typeof import("@smithy/signature-v4")>("@smithy/signature-v4");
  const signer = new SignatureV4({ credentials, region: target.region, service: "sts", sha256: NodeSha256 });
  const signed = await signer.sign({
    method: "POST",
    protocol: target.url.protocol,
    hostname: target.url.hostname,
    ...(target.url.port ? { port: Number(target.url.port) } : {}),
    path: "/",
    query: {},
    headers: {
      host: target.url.host,
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      [SERVER_ID_HEADER]: serverId,
    },
    body: BODY,
  });
  return signed.headers;
}

/** An optional peer dependency, loaded on first use; a specifier in a variable keeps bundlers from inlining it. */
async function optional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    throw new SecretsError(
      `awsIam() needs the optional package ${name}: npm install @smithy/signature-v4 @aws-sdk/credential-provider-node`,
      { code: "invalid_input", status: 0, cause: e },
    );
  }
}

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data) =>
  typeof d === "string"
    ? Buffer.from(d, "utf8")
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the signer expects (no extra package). */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: Data) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(this.secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}
