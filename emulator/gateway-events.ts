import type { IncomingMessage } from "node:http";
import type { RouteConfig } from "./gateway-config.ts";

// Payload format 2.0, as documented in "Create AWS Lambda proxy integrations for HTTP APIs"
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
// "Format 2.0 doesn't have multiValueHeaders or multiValueQueryStringParameters fields. Duplicate headers
// are combined with commas and included in the headers field. Duplicate query strings are combined with
// commas and included in the queryStringParameters field." — "Format 2.0 includes a new cookies field. All
// cookie headers in the request are combined with commas and added to the cookies field." — "All header
// names are lowercase."

/** What the gateway knows about one request before it builds an event from it. */
export interface IncomingRequest {
  method: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
  sourceIp: string;
  requestId: string;
  started: number;
  domainName: string;
}

export const API_ID = "emulated";

/** Headers as payload 2.0 carries them: lower-case names, repeats joined with commas, cookies apart. */
export function readRequest(req: IncomingMessage, body: Buffer, requestId: string): IncomingRequest {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue;
    if (name === "cookie") {
      for (const v of values)
        cookies.push(
          ...v
            .split(";")
            .map((c) => c.trim())
            .filter(Boolean),
        );
      continue;
    }
    headers[name] = values.join(",");
  }
  // Hop-by-hop headers end at the gateway (RFC 9110 §7.6.1): it reads the whole body and hands it on with its length.
  for (const hop of [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
  ])
    delete headers[hop];
  if (body.length > 0) headers["content-length"] = String(body.length);
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1";
  // What API Gateway adds for the integration.
  headers["x-forwarded-for"] = headers["x-forwarded-for"]
    ? `${headers["x-forwarded-for"]}, ${sourceIp}`
    : sourceIp;
  headers["x-forwarded-proto"] = "http";
  headers["x-forwarded-port"] = String(req.socket.localPort ?? "");
  headers["x-amzn-trace-id"] = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${requestId
    .replace(/[^a-f0-9]/gi, "")
    .slice(0, 24)
    .padEnd(24, "0")}`;
  return {
    method: req.method ?? "GET",
    rawPath: q === -1 ? url : url.slice(0, q),
    rawQueryString: q === -1 ? "" : url.slice(q + 1),
    headers,
    cookies,
    body,
    sourceIp,
    requestId,
    started: Date.now(),
    domainName: headers.host ?? "127.0.0.1",
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** queryStringParameters: decoded, repeats joined with commas; undefined when there is no query. */
export function queryParameters(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? "" : decode(pair.slice(eq + 1));
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length ? out : undefined;
}

function requestTime(epoch: number): string {
  const d = new Date(epoch);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function requestContext(r: IncomingRequest, route: RouteConfig, accountId: string) {
  return {
    accountId,
    apiId: API_ID,
    domainName: r.domainName,
    domainPrefix: r.domainName.split(".")[0] ?? r.domainName,
    http: {
      method: r.method,
      path: decode(r.rawPath),
      protocol: "HTTP/1.1",
      sourceIp: r.sourceIp,
      userAgent: r.headers["user-agent"] ?? "",
    },
    requestId: r.requestId,
    routeKey: route.routeKey,
    stage: "$default",
    time: requestTime(r.started),
    timeEpoch: r.started,
  };
}

/** Text bodies go as they are; anything else base64-encoded with isBase64Encoded, so no byte is lost. */
function bodyFields(r: IncomingRequest): { body?: string; isBase64Encoded: boolean } {
  if (r.body.length === 0) return { isBase64Encoded: false };
  const type = (r.headers["content-type"] ?? "").toLowerCase();
  const textual = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/.test(
    type,
  );
  const text = r.body.toString("utf8");
  if (textual && Buffer.from(text, "utf8").equals(r.body)) return { body: text, isBase64Encoded: false };
  return { body: r.body.toString("base64"), isBase64Encoded: true };
}

/** The integration's event (payload format 2.0), with the authorizer's context where API Gateway puts it. */
export function integrationEvent(
  r: IncomingRequest,
  route: RouteConfig,
  pathParameters: Record<string, string> | undefined,
  authorizerContext: unknown,
  accountId: string,
) {
  const query = queryParameters(r.rawQueryString);
  return {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: r.rawPath,
    rawQueryString: r.rawQueryString,
    ...(r.cookies.length ? { cookies: r.cookies } : {}),
    headers: r.headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      ...requestContext(r, route, accountId),
      // "API Gateway passes the context to the integration in requestContext.authorizer.lambda" (http-api-lambda-authorizer.html).
      ...(authorizerContext === undefined ? {} : { authorizer: { lambda: authorizerContext } }),
    },
    ...(pathParameters ? { pathParameters } : {}),
    ...bodyFields(r),
  };
}

/** The authorizer's event (payload format 2.0, type REQUEST). */
export function authorizerEvent(
  r: IncomingRequest,
  route: RouteConfig,
  identitySource: string[],
  pathParameters: Record<string, string> | undefined,
  accountId: string,
  region: string,
) {
  const query = queryParameters(r.rawQueryString);
  const [method, path] = route.routeKey.split(" ");
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:${region}:${accountId}:${API_ID}/$default/${method}${path ?? ""}`,
    identitySource,
    routeKey: route.routeKey,
    rawPath: r.rawPath,
    rawQueryString: r.rawQueryString,
    ...(r.cookies.length ? { cookies: r.cookies } : {}),
    headers: r.headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: requestContext(r, route, accountId),
    ...(pathParameters ? { pathParameters } : {}),
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * The function's result as an HTTP response (format 2.0). "If your Lambda function returns valid JSON and
 * doesn't return a statusCode, API Gateway assumes … isBase64Encoded is false, statusCode is 200,
 * content-type is application/json, body is the function's response"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
 * A statusCode that is not a valid status is a malformed response: undefined (the gateway answers 500).
 */
export function integrationResponse(result: unknown): HttpResult | undefined {
  const r = result as {
    statusCode?: unknown;
    headers?: unknown;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  } | null;
  if (r === null || typeof r !== "object" || !("statusCode" in r)) {
    const body = typeof result === "string" ? result : JSON.stringify(result);
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(body),
    };
  }
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: Record<string, string> = {};
  if (r.headers && typeof r.headers === "object")
    for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = String(v);
  const cookies = Array.isArray(r.cookies) ? r.cookies.map(String) : [];
  const text =
    typeof r.body === "string"
      ? r.body
      : r.body === undefined || r.body === null
        ? ""
        : JSON.stringify(r.body);
  return {
    status,
    headers,
    cookies,
    body: r.isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text, "utf8"),
  };
}
