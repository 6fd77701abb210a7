import type { Context } from "aws-lambda";
import type { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import type { AppEnv } from "../api/context.ts";

/**
 * An API function's handler over its app. API Gateway passes a body on any method; a GET or HEAD body is
 * dropped here, as the local server ignores it, because the web Request Hono builds cannot carry one and
 * its adapter would answer a bare text/plain 400 (found by the fuzz suite on the cloud path).
 */
export function lambdaHttpHandler(app: Hono<AppEnv>) {
  const serve = handle(app);
  type Event = Parameters<typeof serve>[0];
  return (event: Event, context?: Context) => {
    const method = (event as { requestContext?: { http?: { method?: string } } }).requestContext?.http
      ?.method;
    const bodiless = method === "GET" || method === "HEAD";
    return serve(
      bodiless ? ({ ...event, body: null, isBase64Encoded: false } as unknown as Event) : event,
      context,
    );
  };
}
