import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GatewayConfig, RouteConfig } from "./gateway-config.ts";
import {
  authorizerEvent,
  type HttpResult,
  type IncomingRequest,
  integrationEvent,
  integrationResponse,
  readRequest,
} from "./gateway-events.ts";
import { AuthorizerCache, accessLogLine, corsHeaders, simpleResponse, TokenBucket } from "./gateway-rules.ts";
import type { InvokeOutcome } from "./lambda-pool.ts";

/**
 * API Gateway's own answers ("gateway responses"), bodies as HTTP APIs send them. Each is cited where used.
 */
const GATEWAY = {
  notFound: [404, "Not Found"],
  unauthorized: [401, "Unauthorized"],
  forbidden: [403, "Forbidden"],
  tooLarge: [413, "Request Entity Too Large"],
  throttled: [429, "Too Many Requests"],
  internal: [500, "Internal Server Error"],
  unavailable: [503, "Service Unavailable"],
} as const;

/** HTTP APIs accept payloads up to 10 MB (API Gateway quotas for HTTP APIs). */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface GatewayDeps {
  invoke(functionId: string, event: unknown): Promise<InvokeOutcome>;
  accountId: string;
  region: string;
  /** One access-log line per request, in the stage's format (what API Gateway writes to CloudWatch Logs). */
  onAccessLog?: (line: string) => void;
  /** One structured record per request (tests count requests by route, as the local server's request log). */
  onRequest?: (record: { method: string; routeKey: string; status: number; ms: number }) => void;
  now?: () => number;
}

export interface GatewayStats {
  authorizerInvocations: number;
  authorizerCacheHits: number;
}

interface Decision {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
  routeKey: string;
  authorizerContext?: Record<string, unknown> | undefined;
  error?: string | undefined;
  integrationError?: string | undefined;
  integrationStatus?: number | undefined;
}

/**
 * An HTTP API stage, emulated: the order of checks and every answer the gateway gives itself follow API
 * Gateway's documentation (cited at each rule). Everything else is the functions' own doing.
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps) {
  const now = deps.now ?? Date.now;
  const bucket = config.throttle
    ? new TokenBucket(config.throttle.rateLimit, config.throttle.burstLimit, now)
    : undefined;
  // Route-level throttling replaces the stage's default for its route ("Route-level throttling", same page).
  const routeBuckets = new Map(
    config.routes.flatMap((r) =>
      r.throttle ? [[r, new TokenBucket(r.throttle.rateLimit, r.throttle.burstLimit, now)] as const] : [],
    ),
  );
  const cache = new AuthorizerCache(now);
  const stats: GatewayStats = { authorizerInvocations: 0, authorizerCacheHits: 0 };

  const gatewayAnswer = (
    which: keyof typeof GATEWAY,
    routeKey: string,
    extra: Partial<Decision> = {},
  ): Decision => {
    const [status, message] = GATEWAY[which];
    return {
      status,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(JSON.stringify({ message })),
      routeKey,
      error: message,
      ...extra,
    };
  };

  function match(
    method: string,
    rawPath: string,
  ): { route: RouteConfig; params?: Record<string, string> } | undefined {
    let best: { route: RouteConfig; params?: Record<string, string>; score: number } | undefined;
    for (const route of config.routes) {
      if (route.method !== method && route.method !== "ANY") continue;
      const m = route.pattern.exec(rawPath);
      if (!m) continue;
      // Most specific first: exact paths, then path variables, then greedy ones, then ANY, then $default.
      const greedy = route.pattern.source.includes("(.+)");
      const score =
        (route.routeKey === "$default" ? 1000 : 0) +
        (route.method === "ANY" ? 100 : 0) +
        (greedy ? 10 : 0) +
        route.paramNames.length;
      if (best && best.score <= score) continue;
      const params = route.paramNames.length
        ? Object.fromEntries(route.paramNames.map((n, i) => [n, safeDecode(m[i + 1] ?? "")]))
        : undefined;
      best = { route, ...(params ? { params } : {}), score };
    }
    return best;
  }

  async function decide(r: IncomingRequest): Promise<Decision> {
    // Throttling comes before anything else reaches a function: the route's own limits, else the stage's.
    const found = match(r.method, r.rawPath);
    const limit = (found && routeBuckets.get(found.route)) ?? bucket;
    if (limit && !limit.take()) return gatewayAnswer("throttled", "-");
    const preflight =
      config.cors !== undefined &&
      r.method === "OPTIONS" &&
      r.headers.origin !== undefined &&
      r.headers["access-control-request-method"] !== undefined;
    if (preflight && (!found || found.route.method === "ANY"))
      return { status: 204, headers: {}, cookies: [], body: Buffer.alloc(0), routeKey: "-" };
    // An unmatched request gets API Gateway's own 404 {"message":"Not Found"}.
    if (!found) return gatewayAnswer("notFound", "-");
    const { route, params } = found;
    let authorizerContext: Record<string, unknown> | undefined;
    if (route.authorizer) {
      const a = route.authorizer;
      const identity = a.identityHeaders.map((h) => r.headers[h] ?? "");
      // "verifying all of the identity-related request parameters are present in the request, not null, and
      // non-empty. Only when this is true does the authorizer invoke the authorizer Lambda function. Otherwise,
      // it returns a 401 Unauthorized response without calling the Lambda function."
      // (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html, IdentitySource)
      if (identity.some((v) => v.trim() === "")) return gatewayAnswer("unauthorized", route.routeKey);
      const key = cache.key(a, identity);
      let answer = cache.get(key);
      if (answer) stats.authorizerCacheHits++;
      else {
        stats.authorizerInvocations++;
        const outcome = await deps.invoke(
          a.functionId,
          authorizerEvent(r, route, identity, params, deps.accountId, deps.region),
        );
        answer = outcome.ok ? simpleResponse(outcome.result) : undefined;
        // A failed or malformed authorizer is a 500 and is not cached (http-api-lambda-authorizer.html).
        if (!answer)
          return gatewayAnswer("internal", route.routeKey, {
            error: "Internal Server Error",
            integrationError: outcome.ok ? "malformed authorizer response" : outcome.errorType,
          });
        cache.set(key, a.ttlSeconds, answer);
      }
      // A simple response with isAuthorized false: 403 {"message":"Forbidden"} (http-api-lambda-authorizer.html).
      if (!answer.isAuthorized) return gatewayAnswer("forbidden", route.routeKey);
      authorizerContext = answer.context ?? {};
    }
    const event = integrationEvent(r, route, params, authorizerContext, deps.accountId);
    // The integration timeout (TimeoutInMillis, at most 30 s for HTTP APIs) ends the wait with 503; the
    // function itself keeps running, as on AWS.
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      deps.invoke(route.functionId, event),
      new Promise<"timeout">((ok) => {
        timer = setTimeout(() => ok("timeout"), route.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === "timeout")
      return gatewayAnswer("unavailable", route.routeKey, {
        authorizerContext,
        integrationError: "integration timeout",
      });
    // A function error, its own timeout ("Task timed out") included, is a 500 {"message":"Internal Server
    // Error"} (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html).
    if (!outcome.ok)
      return gatewayAnswer("internal", route.routeKey, {
        authorizerContext,
        integrationError: outcome.errorType,
      });
    const http: HttpResult | undefined = integrationResponse(outcome.result);
    if (!http)
      return gatewayAnswer("internal", route.routeKey, {
        authorizerContext,
        integrationError: "malformed Lambda proxy response",
      });
    return { ...http, routeKey: route.routeKey, authorizerContext, integrationStatus: 200 };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `${randomBytes(9).toString("base64url")}=`;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_PAYLOAD_BYTES) tooLarge = true;
      else chunks.push(chunk as Buffer);
    }
    const r = readRequest(req, Buffer.concat(chunks), requestId);
    let d: Decision;
    try {
      d = tooLarge ? gatewayAnswer("tooLarge", "-") : await decide(r);
    } catch {
      d = gatewayAnswer("internal", "-");
    }
    const headers: Record<string, string | string[]> = {};
    // With CORS configured, the backend's CORS headers are ignored (http-api-cors.html).
    for (const [k, v] of Object.entries(d.headers))
      if (!(config.cors && k.startsWith("access-control-"))) headers[k] = v;
    if (config.cors)
      Object.assign(
        headers,
        corsHeaders(config.cors, r.headers.origin, d.status === 204 && r.method === "OPTIONS"),
      );
    // Format 2.0: "each cookie becomes a set-cookie header" in the response to the client.
    if (d.cookies.length) headers["set-cookie"] = d.cookies;
    headers["apigw-requestid"] = requestId;
    headers["content-length"] = String(d.body.length);
    res.writeHead(d.status, headers);
    res.end(r.method === "HEAD" ? undefined : d.body);
    deps.onRequest?.({
      method: r.method,
      routeKey: d.routeKey,
      status: d.status,
      ms: Date.now() - r.started,
    });
    if (config.accessLogFormat && deps.onAccessLog) {
      const context = d.authorizerContext ?? {};
      deps.onAccessLog(
        accessLogLine(config.accessLogFormat, {
          requestId,
          "identity.sourceIp": r.sourceIp,
          routeKey: d.routeKey,
          status: d.status,
          httpMethod: r.method,
          path: r.rawPath,
          protocol: "HTTP/1.1",
          responseLatency: Date.now() - r.started,
          responseLength: d.body.length,
          requestTime: new Date(r.started).toISOString(),
          requestTimeEpoch: r.started,
          integrationErrorMessage: d.integrationError,
          integrationStatus: d.integrationStatus,
          "error.message": d.error,
          "authorizer.error":
            d.status === 500 && d.integrationError && !d.integrationStatus ? d.error : undefined,
          ...Object.fromEntries(
            Object.entries(context).map(([k, v]) => [
              `authorizer.${k}`,
              typeof v === "string" ? v : JSON.stringify(v),
            ]),
          ),
        }),
      );
    }
  }

  return { handle, stats, cache };
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  stats: GatewayStats;
  close(): Promise<void>;
}

/** Serves the gateway on host:port (0 = any free port). */
export async function startGateway(
  config: GatewayConfig,
  deps: GatewayDeps,
  options: { host: string; port: number },
): Promise<RunningGateway> {
  const gateway = createGateway(config, deps);
  const server = createServer((req, res) => {
    gateway.handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "Internal Server Error" }));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port, options.host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    stats: gateway.stats,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
