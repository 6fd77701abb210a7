import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";

const API_ID = "a1b2c3d4e5";
const DOMAIN = `${API_ID}.execute-api.eu-west-1.amazonaws.com`;
let counter = 0;

const requestContext = (method: string, path: string, routeKey: string) => ({
  accountId: "123456789012",
  apiId: API_ID,
  domainName: DOMAIN,
  domainPrefix: API_ID,
  http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "fixture/1.0" },
  requestId: `req-${++counter}`,
  routeKey,
  stage: "$default",
  time: "23/Nov/2025:12:00:00 +0000",
  timeEpoch: 1_763_899_200_000,
});

/** An API Gateway HTTP API (payload 2.0) authorizer event for a request carrying `authorization`. */
export function authorizerEvent(
  authorization: string | undefined,
  routeKey = "GET /v1/secrets",
): APIGatewayRequestAuthorizerEventV2 {
  const [method = "GET", path = "/"] = routeKey.split(" ");
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/$default/${method}${path}`,
    identitySource: authorization === undefined ? [] : [authorization],
    routeKey,
    rawPath: path,
    rawQueryString: "",
    cookies: [],
    headers: { host: DOMAIN, ...(authorization === undefined ? {} : { authorization }) },
    requestContext: requestContext(
      method,
      path,
      routeKey,
    ) as APIGatewayRequestAuthorizerEventV2["requestContext"],
  };
}

export interface HttpEventInput {
  method: string;
  /** Path with query string, e.g. /v1/secrets?environmentId=x */
  url: string;
  /** The route pattern API Gateway matched, e.g. /v1/secrets/{secretId}. Default: the path. */
  route?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** requestContext.authorizer.lambda as the authorizer returned it; omitted for open routes. */
  authorizer?: unknown;
}

/** An API Gateway HTTP API (payload 2.0) proxy event, as the API function receives it. */
export function httpEvent(input: HttpEventInput): APIGatewayProxyEventV2 {
  const [path = "/", query = ""] = input.url.split("?");
  const routeKey = `${input.method} ${input.route ?? path}`;
  const body = input.body === undefined ? undefined : JSON.stringify(input.body);
  const headers: Record<string, string> = {
    host: DOMAIN,
    "user-agent": "fixture/1.0",
    ...(body === undefined
      ? {}
      : { "content-type": "application/json", "content-length": String(body.length) }),
    ...input.headers,
  };
  const params = new URLSearchParams(query);
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString: query,
    headers,
    ...(query ? { queryStringParameters: Object.fromEntries(params) } : {}),
    requestContext: {
      ...requestContext(input.method, path, routeKey),
      ...(input.authorizer === undefined ? {} : { authorizer: { lambda: input.authorizer } }),
    } as APIGatewayProxyEventV2["requestContext"],
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}
