import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { ErrorBody } from "./schemas.ts";

const errorResponses = {
  400: { description: "Invalid input", content: { "application/json": { schema: ErrorBody } } },
  401: {
    description: "Missing, unknown, revoked or expired token",
    content: { "application/json": { schema: ErrorBody } },
  },
  403: {
    description: "The role may not do this in its own scope",
    content: { "application/json": { schema: ErrorBody } },
  },
  404: {
    description: "Not found (or not in the caller's scope)",
    content: { "application/json": { schema: ErrorBody } },
  },
  503: {
    description: "A dependency (KMS, DynamoDB) is unavailable; see Retry-After",
    content: { "application/json": { schema: ErrorBody } },
  },
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** A protected v1 route: bearer auth and the standard error responses. */
export function apiRoute<const R extends Omit<RouteConfig, "security">>(config: R) {
  return createRoute({
    ...config,
    security: [{ bearer: [] }],
    responses: { ...errorResponses, ...config.responses },
  } as R & { security: Array<Record<string, string[]>> });
}

/** A route anyone may call (no Authorization). */
export function openRoute<const R extends Omit<RouteConfig, "security">>(config: R) {
  return createRoute({ ...config, security: [] } as R & { security: [] });
}

export const idParam = (name: string) =>
  z.object({ [name]: z.string().min(1).max(128) }) as z.ZodObject<Record<string, z.ZodString>>;
