import type { CallerIdentity, CallerIdentityVerifier, ForwardedStsRequest } from "../core/aws-auth-ports.ts";
import { AppError, unavailable } from "../core/errors.ts";

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The STS endpoint this deployment sends logins to, chosen here and never taken from a request:
 * STS_ENDPOINT when set (moto in tests, a VPC endpoint), else the regional endpoint of AWS_REGION, else
 * the global one. Plain http only on loopback (a local STS stand-in).
 */
export function resolveStsEndpoint(env: {
  STS_ENDPOINT?: string | undefined;
  AWS_REGION?: string | undefined;
}): URL {
  const raw = env.STS_ENDPOINT?.trim();
  if (raw) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error(`STS_ENDPOINT=${raw} is not a URL; use e.g. https://sts.eu-west-1.amazonaws.com`);
    }
    const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
      throw new Error(`STS_ENDPOINT=${raw} must be https:// (http:// only on this machine, for tests)`);
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.username)
      throw new Error(`STS_ENDPOINT=${raw} must be an origin only, e.g. https://sts.eu-west-1.amazonaws.com`);
    return new URL(`${url.origin}/`);
  }
  const region = env.AWS_REGION?.trim();
  if (region && /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region))
    return new URL(`https://sts.${region}.amazonaws.com/`);
  return new URL("https://sts.amazonaws.com/");
}

/**
 * Sends a client's signed GetCallerIdentity to one fixed STS endpoint and reads the caller from the XML.
 * Redirects are not followed; STS checks the signature (and its age), this adapter only relays.
 */
export class StsVerifier implements CallerIdentityVerifier {
  readonly host: string;

  constructor(
    private readonly endpoint: URL,
    private readonly options: { fetch?: typeof fetch; timeoutMs?: number } = {},
  ) {
    this.host = endpoint.host;
  }

  async getCallerIdentity(request: ForwardedStsRequest): Promise<CallerIdentity | undefined> {
    let status: number;
    let text: string;
    // Built before the call: a header fetch would refuse is the request's fault (400), not STS being down.
    let headers: Headers;
    try {
      headers = new Headers(request.headers);
    } catch {
      throw new AppError("invalid_input", "iamRequestHeaders holds a header that cannot be sent", {
        key: "iamRequestHeaders",
      });
    }
    try {
      const res = await (this.options.fetch ?? fetch)(`${this.endpoint.origin}/`, {
        method: "POST",
        headers,
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      status = res.status;
      text = await readLimited(res);
    } catch (e) {
      throw unavailable("STS", e);
    }
    if (status === 200) {
      const identity = parseCallerIdentity(text);
      if (!identity) throw unavailable("STS", new Error("unreadable GetCallerIdentity response"));
      return identity;
    }
    if (status >= 500 || status === 429 || /<Code>Throttling<\/Code>/.test(text))
      throw unavailable("STS", new Error(`STS answered ${status}`), 2);
    // 4xx: a bad, expired or unknown signature; 3xx: never followed.
    return undefined;
  }
}

async function readLimited(res: Response): Promise<string> {
  const length = Number(res.headers.get("content-length") ?? 0);
  if (length > MAX_RESPONSE_BYTES) throw new AppError("unavailable", "STS answered too much", { key: "" });
  const text = await res.text();
  return text.length > MAX_RESPONSE_BYTES ? "" : text;
}

const field = (xml: string, name: string) =>
  new RegExp(`<${name}>([^<]{1,2048})</${name}>`).exec(xml)?.[1]?.trim();

/** The three fields of GetCallerIdentityResult; undefined for anything else. */
export function parseCallerIdentity(xml: string): CallerIdentity | undefined {
  const result = /<GetCallerIdentityResult>([\s\S]*?)<\/GetCallerIdentityResult>/.exec(xml)?.[1];
  if (!result) return undefined;
  const arn = field(result, "Arn");
  const account = field(result, "Account");
  const userId = field(result, "UserId");
  return arn && account && userId ? { arn, account, userId } : undefined;
}
