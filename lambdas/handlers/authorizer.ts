import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from "aws-lambda";
import { bearerToken } from "../api/bearer.ts";
import { isAppError } from "../core/errors.ts";
import { TOKEN_PREFIX, TokenService } from "../core/token-service.ts";
import { createDynamoStore } from "../store/dynamo-store.ts";
import {
  type AuthorizerContext,
  type DeniedContext,
  type DenyReason,
  toAuthorizerContext,
} from "./authorizer-context.ts";
import { dynamoClientsFor, readTableEnv } from "./env.ts";
import { createLogger, createMetrics, errorSummary, TELEMETRY } from "./telemetry.ts";

/** Pass the request on with the caller's principal, or with why its token did not authenticate. */
export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | DeniedContext>;

export interface AuthorizerDeps {
  tokens: Pick<TokenService, "authenticate">;
  logger: Logger;
  metrics: Metrics;
}

const denyReason = (token: string | undefined): DenyReason =>
  token === undefined
    ? "no_bearer"
    : token.startsWith(TOKEN_PREFIX) && token.length === TOKEN_PREFIX.length + 43
      ? "unknown_revoked_or_expired"
      : "malformed";

/**
 * The HTTP API Lambda authorizer (payload 2.0, simple responses). A token that does not authenticate is
 * passed on with a `denied` context (cached for the same header like any result): the API function then
 * answers 401 with the API's error body before any route runs, where a plain denial would make API
 * Gateway answer a bare 403 that clients could not tell from a role refusal. When the token cannot be
 * checked at all (DynamoDB unavailable, a bug) it throws instead: API Gateway answers 500 and caches
 * nothing, so a valid token is not locked out for the cache TTL after an outage.
 */
export function createAuthorizer(deps: AuthorizerDeps) {
  const { logger, metrics } = deps;
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    const requestId = event.requestContext?.requestId;
    const token = bearerToken(event.headers?.authorization ?? event.identitySource?.[0]);
    try {
      const principal = await deps.tokens.authenticate(token);
      metrics.addMetric(TELEMETRY.metrics.authorizerAllows, MetricUnit.Count, 1);
      return { isAuthorized: true, context: toAuthorizerContext(principal) };
    } catch (error) {
      if (isAppError(error) && error.code === "unauthorized") {
        logger.info("denied", { requestId, routeKey: event.routeKey, reason: denyReason(token) });
        metrics.addMetric(TELEMETRY.metrics.authorizerDenials, MetricUnit.Count, 1);
        return { isAuthorized: true, context: { denied: denyReason(token) } };
      }
      logger.error("token check failed", { requestId, routeKey: event.routeKey, error: errorSummary(error) });
      metrics.addMetric(TELEMETRY.metrics.authorizerErrors, MetricUnit.Count, 1);
      // A fixed message: the original may carry SDK details, and it is not for API Gateway to see.
      throw new Error("the token could not be checked; the datastore is unavailable");
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** Composes the authorizer from TABLE_NAME (and DYNAMODB_ENDPOINT for tests). Needs no key. */
export function composeAuthorizer(environment: Record<string, string | undefined>): AuthorizerDeps {
  const env = readTableEnv(environment);
  const store = createDynamoStore(dynamoClientsFor(env).lean, env.TABLE_NAME);
  return {
    tokens: new TokenService({ tokens: store, scopes: store }),
    logger: createLogger(),
    metrics: createMetrics(),
  };
}

/** The Lambda entry: composed once per cold start. */
export const handler = createAuthorizer(composeAuthorizer(process.env));
