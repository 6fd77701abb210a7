import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, type ErrorCode } from "../core/errors.ts";
import { TOKEN_PREFIX } from "../core/token-service.ts";

/** The one place an error code becomes an HTTP status (DESIGN §3). */
export const STATUS: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 429 | 500 | 503> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  throttled: 429,
  unavailable: 503,
  integrity: 500,
  internal: 500,
};

/** Anything thrown becomes an AppError; unknown errors become "internal" with the cause kept for logs. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof HTTPException) {
    const status = e.status;
    if (status === 400)
      return new AppError("invalid_input", "the request body is not valid JSON; send a JSON object", {
        key: "body",
        cause: e,
      });
    if (status === 413) return payloadTooLarge();
    if (status === 401)
      return new AppError("unauthorized", "send Authorization: Bearer <token>", { key: "Authorization" });
    return new AppError("invalid_input", e.message || "the request is not valid", { key: "", cause: e });
  }
  return new AppError("internal", "something went wrong on our side; retry, and report it if it persists", {
    cause: e,
  });
}

export const payloadTooLarge = () =>
  new AppError("payload_too_large", "the request body is larger than 128 KiB; values may be at most 64 KiB", {
    key: "body",
  });

// Messages name the ids a caller sent; a caller who pasted its token into a path or a name must not get it
// echoed into an error body (and from there into proxies' and clients' logs).
const TOKEN_LIKE = new RegExp(`${TOKEN_PREFIX}[A-Za-z0-9_-]{8,}`, "g");
const redact = (text: string) => text.replace(TOKEN_LIKE, `${TOKEN_PREFIX}…(redacted)`);

/** Renders an error as `{"errors":[{key,message}]}`; never includes the cause or anything token-shaped. */
export function errorResponse(c: Context, error: AppError): Response {
  const status = STATUS[error.code];
  if (error.retryAfter !== undefined) c.header("Retry-After", String(error.retryAfter));
  if (error.code === "unavailable" && error.retryAfter === undefined) c.header("Retry-After", "5");
  const errors = error.details.map((d) => ({ key: redact(d.key), message: redact(d.message) }));
  return c.json({ errors }, status);
}
