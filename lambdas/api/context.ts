import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AuditService } from "../core/audit-service.ts";
import type { AwsAuthService, AwsIdentityService } from "../core/aws-auth-service.ts";
import type { Principal } from "../core/principal.ts";
import type { ScopeService } from "../core/scope-service.ts";
import type { SecretService } from "../core/secret-service.ts";
import type { TokenService } from "../core/token-service.ts";

export interface Services {
  secrets: SecretService;
  scopes: ScopeService;
  tokens: TokenService;
  audit: AuditService;
  /** AWS identity bindings and login (issue 17); absent where an entry point does not offer them. */
  awsIdentities?: AwsIdentityService | undefined;
  awsAuth?: AwsAuthService | undefined;
}

export interface AppEnv {
  Variables: { principal: Principal; requestId: string };
  /** Set by the Lambda adapter (hono/aws-lambda); absent in the local server. */
  Bindings: {
    event?: { requestContext?: { requestId?: string; authorizer?: { lambda?: Record<string, unknown> } } };
  };
}

export type AppContext = Context<AppEnv>;
export type App = OpenAPIHono<AppEnv>;

/** One line per request for the entry point's logger: no values, no tokens, the route pattern not the URL. */
export interface RequestLog {
  requestId: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  tokenId?: string | undefined;
  error?: { code: string; name?: string | undefined } | undefined;
}

export interface AppDeps {
  services: Services;
  /** How the caller is identified: authorize() in-process locally, the authorizer's context in Lambda. */
  principalOf: (c: AppContext) => Promise<Principal>;
  version: string;
  /** Allowed browser origin for the admin UI when it is served from elsewhere (CloudFront). */
  corsOrigin?: string | undefined;
  log?: ((line: RequestLog) => void) | undefined;
  /** Unexpected errors (5xx) with their cause, for the entry point's logger. Never carries values. */
  logError?: ((requestId: string, error: unknown) => void) | undefined;
}
