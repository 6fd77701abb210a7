import type { Context } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import { composeApi } from "./compose.ts";

// Composed once per cold start (top-level await in the ESM bundle); warm invocations reuse clients and caches.
const runtime = await composeApi(process.env);
const serve = handle(runtime.app);
type Event = Parameters<typeof serve>[0];

/**
 * The API function: every v1 route, behind the API Gateway authorizer. API Gateway passes a body on any
 * method; a GET or HEAD body is dropped here, as the local server ignores it, because the web Request Hono
 * builds cannot carry one and its adapter would answer a bare text/plain 400 (found by the fuzz suite on the
 * cloud path).
 */
export const handler = (event: Event, context?: Context) => {
  const method = (event as { requestContext?: { http?: { method?: string } } }).requestContext?.http?.method;
  const bodiless = method === "GET" || method === "HEAD";
  return serve(
    bodiless ? ({ ...event, body: null, isBase64Encoded: false } as unknown as Event) : event,
    context,
  );
};
