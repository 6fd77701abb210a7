/** Every failure the service reports has one of these codes; the HTTP layer maps code → status in one place. */
export type ErrorCode =
  | "invalid_input"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "precondition_failed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "throttled"
  | "unavailable"
  | "integrity"
  | "internal";

export interface ErrorDetail {
  /** The field, parameter or header the message is about. */
  key: string;
  message: string;
}

export interface AppErrorOptions {
  key?: string;
  details?: ErrorDetail[];
  /** Seconds a client should wait before retrying (for throttled/unavailable). */
  retryAfter?: number;
  /** Chained cause. Never sent to a client and never logged with values. */
  cause?: unknown;
}

/** The one error type of the service. Messages say what is wrong and what to do, and never carry a value. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details ?? [{ key: options.key ?? "", message }];
    this.retryAfter = options.retryAfter;
  }
}

export const invalid = (key: string, message: string): AppError =>
  new AppError("invalid_input", message, { key });

export const notFound = (key: string, message: string): AppError =>
  new AppError("not_found", message, { key });

export const conflict = (key: string, message: string): AppError =>
  new AppError("conflict", message, { key });

export const unavailable = (what: string, cause?: unknown, retryAfter = 1): AppError =>
  new AppError("unavailable", `${what} is unavailable right now; retry after ${retryAfter} s.`, {
    key: "",
    retryAfter,
    cause,
  });

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
