import type { ForwardedStsRequest } from "./aws-auth-ports.ts";
import { AppError, invalid } from "./errors.ts";

/** The header that ties a signed login to one deployment, so it cannot be replayed against another. */
export const SERVER_ID_HEADER = "x-scoped-secrets-server-id";
/** The only body a login may carry: GetCallerIdentity reveals who signed and changes nothing. */
export const GET_CALLER_IDENTITY_BODY = "Action=GetCallerIdentity&Version=2011-06-15";
/** STS accepts a signature for 15 minutes; so do we (checked here too, so a stale request never leaves). */
export const MAX_SIGNATURE_AGE_MS = 15 * 60_000;

/** Headers a login may sign (and that are forwarded). Anything else signed is refused; unsigned ones are dropped. */
const SIGNABLE = new Set([
  "host",
  "content-type",
  "content-length",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256",
  SERVER_ID_HEADER,
]);
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=[A-Za-z0-9]{16,128}\/\d{8}\/[a-z0-9-]{1,32}\/sts\/aws4_request, ?SignedHeaders=([a-z0-9;-]{1,512}), ?Signature=[0-9a-f]{64}$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The login body as the route validated it: Vault's iam fields, base64. */
export interface AwsLoginInput {
  iamHttpRequestMethod: string;
  iamRequestUrl?: string | undefined;
  iamRequestHeaders: string;
  iamRequestBody: string;
  ttlSeconds?: number | undefined;
}

const refuse = (key: string, message: string) => new AppError("unauthorized", message, { key });

/**
 * Checks a signed GetCallerIdentity before anything leaves this server: POST, exactly the one body, signed
 * for the STS host this server chose, with X-Scoped-Secrets-Server-ID signed and equal to this server's
 * id. Returns only what is forwarded. The signature itself is STS's to check.
 */
export function parseSignedLogin(
  input: AwsLoginInput,
  expected: { serverId: string; stsHost: string; now: Date },
): ForwardedStsRequest {
  // Undecodable input is a 400; a decodable request this server will not forward is a 401.
  const body = decodeBase64("iamRequestBody", input.iamRequestBody);
  const headers = decodeHeaders(input.iamRequestHeaders);
  const url = input.iamRequestUrl === undefined ? undefined : parseUrl(input.iamRequestUrl);
  if (input.iamHttpRequestMethod !== "POST")
    throw refuse(
      "iamHttpRequestMethod",
      "iamHttpRequestMethod must be POST (a signed sts:GetCallerIdentity)",
    );
  if (body !== GET_CALLER_IDENTITY_BODY)
    throw refuse("iamRequestBody", `the signed body must be exactly ${GET_CALLER_IDENTITY_BODY}`);

  const authorization = single(headers, "authorization");
  const signed = authorization ? AUTHORIZATION.exec(authorization)?.[1]?.split(";") : undefined;
  if (!signed)
    throw refuse(
      "iamRequestHeaders",
      "the Authorization header must be a SigV4 signature for sts (AWS4-HMAC-SHA256 Credential=…/sts/aws4_request, SignedHeaders=…, Signature=…)",
    );
  if (!signed.includes(SERVER_ID_HEADER))
    throw refuse(
      "iamRequestHeaders",
      "X-Scoped-Secrets-Server-ID must be one of the signed headers (SignedHeaders); sign the request with it",
    );
  const unexpected = signed.filter((h) => !SIGNABLE.has(h));
  if (unexpected.length)
    throw refuse(
      "iamRequestHeaders",
      `only these headers may be signed: ${[...SIGNABLE].join(", ")} (got ${unexpected.join(", ")})`,
    );
  if (single(headers, SERVER_ID_HEADER) !== expected.serverId)
    throw refuse(
      "iamRequestHeaders",
      "X-Scoped-Secrets-Server-ID does not match this server's id; sign with the server id of the deployment you log in to (SCOPED_SECRETS_SERVER_ID)",
    );

  // The Host the client signed: its Host header, or (as SDKs sign it without sending it) the URL's host.
  if (url && (url.pathname !== "/" || url.search || url.hash || url.username || url.password))
    throw refuse("iamRequestUrl", "iamRequestUrl must be the STS endpoint's root, https://<sts host>/");
  const host = (single(headers, "host") ?? url?.host)?.toLowerCase();
  const want = expected.stsHost.toLowerCase();
  if (!signed.includes("host") || !host)
    throw refuse("iamRequestHeaders", "the Host header must be signed (SignedHeaders must include host)");
  if (host !== want || (url && url.host.toLowerCase() !== want))
    throw refuse(
      "iamRequestHeaders",
      `the request is signed for ${host === want ? url?.host : host}; this server sends logins to STS at ${expected.stsHost} only: sign for that host`,
    );

  const amzDate = single(headers, "x-amz-date");
  const signedAt = amzDate ? parseAmzDate(amzDate) : undefined;
  if (signedAt === undefined || !signed.includes("x-amz-date"))
    throw refuse("iamRequestHeaders", "X-Amz-Date must be present and signed");
  if (Math.abs(expected.now.getTime() - signedAt) > MAX_SIGNATURE_AGE_MS)
    throw refuse("iamRequestHeaders", "the request was signed more than 15 minutes from now; sign a new one");
  const length = single(headers, "content-length");
  if (length !== undefined && length !== String(Buffer.byteLength(body)))
    throw refuse("iamRequestHeaders", "Content-Length does not match the body");

  const forwarded: Record<string, string> = { authorization: authorization as string };
  for (const name of signed) {
    // fetch sets Host from the endpoint's URL (the same value, checked above) and Content-Length from the body.
    if (name === "host" || name === "content-length") continue;
    const value = single(headers, name);
    if (value === undefined) throw refuse("iamRequestHeaders", `the signed header ${name} is missing`);
    forwarded[name] = value;
  }
  return { headers: forwarded, body };
}

function decodeBase64(key: string, value: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    throw invalid(key, `${key} must be base64 (standard alphabet, padded)`);
  return Buffer.from(value, "base64").toString("utf8");
}

/** Header names in lower case; a name sent twice (in any case) has several values. */
function decodeHeaders(value: string): Map<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeBase64("iamRequestHeaders", value));
  } catch (e) {
    if (e instanceof AppError) throw e;
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid("iamRequestHeaders", "iamRequestHeaders must be base64 of a JSON object {name: value}");
  const out = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(parsed)) {
    const values = Array.isArray(raw) ? raw : [raw];
    // Visible ASCII, space and tab: what a signed header can hold (anything else fails before STS sees it).
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/.test(name))
      throw invalid("iamRequestHeaders", "header names must be HTTP tokens");
    if (!values.every((v) => typeof v === "string" && /^[\t\x20-\x7e]*$/.test(v)))
      throw invalid(
        "iamRequestHeaders",
        `header ${name} must be a string (or a list of strings) of printable ASCII on one line`,
      );
    const key = name.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), ...(values as string[])]);
  }
  return out;
}

/** The one value of a header; a header sent twice is refused rather than guessed. */
function single(headers: Map<string, string[]>, name: string): string | undefined {
  const values = headers.get(name);
  if (!values?.length) return undefined;
  if (values.length > 1) throw refuse("iamRequestHeaders", `header ${name} must be sent once`);
  return values[0];
}

function parseUrl(value: string): URL {
  try {
    return new URL(decodeBase64("iamRequestUrl", value));
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw invalid("iamRequestUrl", "iamRequestUrl must be base64 of a URL, https://<sts host>/");
  }
}

function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const ms = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  return Number.isFinite(ms) ? ms : undefined;
}
