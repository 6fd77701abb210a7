import { type Cfn, ofType, referencedIds, single, type Template, targetId } from "./template.ts";

/** A Lambda authorizer as the template declares it (AWS::ApiGatewayV2::Authorizer). */
export interface AuthorizerConfig {
  logicalId: string;
  /** Logical id of the authorizer's function. */
  functionId: string;
  /** Lower-cased header names from `$request.header.X` identity sources: all must be present and non-empty. */
  identityHeaders: string[];
  /** AuthorizerResultTtlInSeconds; 0 turns the cache off. */
  ttlSeconds: number;
}

export interface RouteConfig {
  /** "GET /v1/secrets/{secretId}", "ANY /x", or "$default". */
  routeKey: string;
  method: string;
  pattern: RegExp;
  paramNames: string[];
  /** Logical id of the integration's function. */
  functionId: string;
  /** Integration TimeoutInMillis (HTTP APIs: 50–30,000, default 30,000). */
  timeoutMs: number;
  authorizer?: AuthorizerConfig | undefined;
  /** The stage's RouteSettings for this route key, which replace DefaultRouteSettings' throttle for it. */
  throttle?: Throttle | undefined;
}

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface CorsConfig {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAge?: number | undefined;
  allowCredentials: boolean;
}

export interface GatewayConfig {
  routes: RouteConfig[];
  cors?: CorsConfig | undefined;
  /** The $default stage's DefaultRouteSettings (requests per second, bucket size). */
  throttle?: Throttle | undefined;
  /** The stage's access-log format, with $context variables. */
  accessLogFormat?: string | undefined;
}

const HTTP_API_MAX_TIMEOUT_MS = 30_000;

/**
 * Reads the HTTP API from the template: routes (with their integration's function and timeout), the
 * Lambda authorizer, CORS, stage throttling and the access-log format. `resolve` turns intrinsic values
 * (the CORS origin names the CloudFront distribution) into strings.
 */
export function gatewayConfigFrom(template: Template, resolve: (v: Cfn) => Cfn): GatewayConfig {
  const [apiId, api] = single(template, "AWS::ApiGatewayV2::Api");
  if (api.Properties?.ProtocolType !== "HTTP") throw new Error(`${apiId} is not an HTTP API`);
  const resources = template.Resources;
  const functionOf = (value: Cfn): string => {
    const id = [...referencedIds(value)].find((r) => resources[r]?.Type === "AWS::Lambda::Function");
    if (!id) throw new Error(`no Lambda function referenced by ${JSON.stringify(value)}`);
    return id;
  };
  const authorizers = new Map<string, AuthorizerConfig>();
  for (const [id, r] of ofType(template, "AWS::ApiGatewayV2::Authorizer")) {
    const p = r.Properties ?? {};
    if (p.AuthorizerType !== "REQUEST")
      throw new Error(
        `authorizer ${id}: only Lambda (REQUEST) authorizers are emulated, not ${p.AuthorizerType}`,
      );
    if (p.AuthorizerPayloadFormatVersion !== "2.0" || p.EnableSimpleResponses !== true)
      throw new Error(`authorizer ${id}: only payload 2.0 with simple responses is emulated`);
    const identityHeaders = (p.IdentitySource ?? []).map((s: string) => {
      const m = /^\$request\.header\.(.+)$/.exec(s);
      if (!m?.[1]) throw new Error(`authorizer ${id}: identity source ${s} is not a header; not emulated`);
      return m[1].toLowerCase();
    });
    authorizers.set(id, {
      logicalId: id,
      functionId: functionOf(p.AuthorizerUri),
      identityHeaders,
      // CloudFormation's default when the property is absent is 300 s.
      ttlSeconds: Number(p.AuthorizerResultTtlInSeconds ?? 300),
    });
  }
  const integrations = new Map<string, { functionId: string; timeoutMs: number }>();
  for (const [id, r] of ofType(template, "AWS::ApiGatewayV2::Integration")) {
    const p = r.Properties ?? {};
    if (p.IntegrationType !== "AWS_PROXY" || p.PayloadFormatVersion !== "2.0")
      throw new Error(`integration ${id}: only Lambda proxy integrations with payload 2.0 are emulated`);
    integrations.set(id, {
      functionId: functionOf(p.IntegrationUri),
      timeoutMs: Math.min(Number(p.TimeoutInMillis ?? HTTP_API_MAX_TIMEOUT_MS), HTTP_API_MAX_TIMEOUT_MS),
    });
  }
  const stages = ofType(template, "AWS::ApiGatewayV2::Stage").filter(
    ([, s]) => s.Properties?.StageName === "$default",
  );
  const stage = stages[0]?.[1]?.Properties;
  const routes: RouteConfig[] = ofType(template, "AWS::ApiGatewayV2::Route").map(([id, r]) => {
    const p = r.Properties ?? {};
    const integrationId = [...referencedIds(p.Target)].find((x) => integrations.has(x));
    const integration = integrationId ? integrations.get(integrationId) : undefined;
    if (!integration) throw new Error(`route ${id} (${p.RouteKey}) has no Lambda integration`);
    const authorizerId = p.AuthorizationType === "CUSTOM" ? targetId(p.AuthorizerId) : undefined;
    const authorizer = authorizerId ? authorizers.get(authorizerId) : undefined;
    if (p.AuthorizationType === "CUSTOM" && !authorizer) throw new Error(`route ${id}: unknown authorizer`);
    if (!["NONE", "CUSTOM", undefined].includes(p.AuthorizationType))
      throw new Error(`route ${id}: AuthorizationType ${p.AuthorizationType} is not emulated`);
    const throttle = throttleOf(stage?.RouteSettings?.[String(p.RouteKey)]);
    return {
      ...parseRouteKey(String(p.RouteKey)),
      ...integration,
      authorizer,
      ...(throttle ? { throttle } : {}),
    };
  });
  const corsProps = api.Properties?.CorsConfiguration;
  const cors: CorsConfig | undefined = corsProps
    ? {
        allowOrigins: (corsProps.AllowOrigins ?? []).map((o: Cfn) => String(resolve(o))),
        allowMethods: corsProps.AllowMethods ?? [],
        allowHeaders: (corsProps.AllowHeaders ?? []).map((h: string) => h.toLowerCase()),
        exposeHeaders: corsProps.ExposeHeaders ?? [],
        maxAge: corsProps.MaxAge,
        allowCredentials: corsProps.AllowCredentials === true,
      }
    : undefined;
  return {
    routes,
    cors,
    throttle: throttleOf(stage?.DefaultRouteSettings),
    accessLogFormat: stage?.AccessLogSettings?.Format,
  };
}

function throttleOf(settings: Record<string, Cfn> | undefined): Throttle | undefined {
  if (settings?.ThrottlingRateLimit === undefined && settings?.ThrottlingBurstLimit === undefined)
    return undefined;
  return {
    rateLimit: Number(settings.ThrottlingRateLimit ?? Number.POSITIVE_INFINITY),
    burstLimit: Number(settings.ThrottlingBurstLimit ?? Number.POSITIVE_INFINITY),
  };
}

/** "GET /v1/secrets/{secretId}" → method, a path pattern and its parameter names ({proxy+} is greedy). */
export function parseRouteKey(
  routeKey: string,
): Pick<RouteConfig, "routeKey" | "method" | "pattern" | "paramNames"> {
  if (routeKey === "$default") return { routeKey, method: "ANY", pattern: /^/, paramNames: [] };
  const [method = "", path = ""] = routeKey.split(" ");
  const paramNames: string[] = [];
  const source = path
    .split("/")
    .map((segment) => {
      const m = /^\{([^}+]+)(\+?)\}$/.exec(segment);
      if (!m?.[1]) return segment.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
      paramNames.push(m[1]);
      return m[2] ? "(.+)" : "([^/]+)";
    })
    .join("/");
  return { routeKey, method, pattern: new RegExp(`^${source}$`), paramNames };
}
