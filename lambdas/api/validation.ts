import type { Hook } from "@hono/zod-openapi";
import type { ZodError } from "zod";
// Type-only imports above: the reader's zod-free bundle uses validationError too.
import { AppError } from "../core/errors.ts";
import { errorResponse } from "./http-errors.ts";

/** One schema problem: zod's issue shape, or the same shape from the reader's zod-free checks (api/reads/checks.ts). */
export interface ValidationIssue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
}

/** Turns schema failures into our error body: one entry per problem, keyed by the field. */
export function validationError(error: { issues: readonly ValidationIssue[] }, target: string): AppError {
  const details = error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as unknown as { keys: string[] }).keys;
      return {
        key: keys.join(","),
        message: `unknown field ${keys.map((k) => `"${k}"`).join(", ")}; remove it`,
      };
    }
    const key = issue.path.length ? issue.path.join(".") : target;
    const message =
      issue.path.length === 0 && target === "body" ? "send a JSON object as the body" : issue.message;
    return { key, message };
  });
  return new AppError("invalid_input", details[0]?.message ?? "the request is not valid", { details });
}

const TARGET_NAMES: Record<string, string> = {
  json: "body",
  query: "query",
  param: "path",
  header: "header",
};

// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by every route, whatever its schema.
export const defaultHook: Hook<any, any, any, any> = (result, c) => {
  if (!result.success) {
    const target = TARGET_NAMES[(result as { target?: string }).target ?? ""] ?? "body";
    return errorResponse(c, validationError(result.error as ZodError, target));
  }
};
