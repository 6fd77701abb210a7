import type { ErrorCode, ErrorDetail } from "./api-types.ts";

/** One problem the service reported: the field or header it is about, and what to do. */
export type { ErrorDetail };

/**
 * Why a call failed, in terms a caller can act on: the server's own codes (DESIGN §3), with every 5xx
 * as `server_error`, plus `network` and `timeout` when no answer came back.
 */
export type SecretsErrorCode =
  | Exclude<ErrorCode, "integrity" | "internal">
  | "network"
  | "timeout"
  | "server_error"
  | "unexpected_response"
  /** A token would have gone over plain http:// to another machine (allowInsecureHttp). */
  | "insecure_transport";

export interface SecretsErrorInit {
  code: SecretsErrorCode;
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  errors?: ErrorDetail[];
  method?: string;
  /** The request path without its query string. */
  path?: string;
  cause?: unknown;
}

/**
 * The one error type of the SDK. Carries the status and the server's messages; never a secret value
 * or a token (the SDK never copies request bodies or headers into it).
 */
export class SecretsError extends Error {
  override name = "SecretsError";
  readonly code: SecretsErrorCode;
  readonly status: number;
  readonly errors: ErrorDetail[];
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, init: SecretsErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.errors = init.errors ?? [{ key: "", message }];
    this.method = init.method;
    this.path = init.path;
  }

  /**
   * True when the service could not be reached or could not answer now (worth retrying later). A 500 is
   * not: it may be an integrity failure, which must never be papered over.
   */
  get unreachable(): boolean {
    return (
      this.code === "network" ||
      this.code === "timeout" ||
      this.code === "throttled" ||
      this.code === "unavailable"
    );
  }
}

const BY_STATUS: Record<number, SecretsErrorCode> = {
  400: "invalid_input",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  412: "precondition_failed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "throttled",
  // Gateway errors mean the service behind it did not answer: the same as unavailable for a caller.
  502: "unavailable",
  503: "unavailable",
  504: "unavailable",
};

/** The code for an HTTP error status. */
export function codeForStatus(status: number): SecretsErrorCode {
  return BY_STATUS[status] ?? (status >= 500 ? "server_error" : "unexpected_response");
}

/** Keeps only well-formed `{key, message}` entries of an error body, so odd proxies cannot inject objects. */
export function errorDetails(body: unknown): ErrorDetail[] | undefined {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const details = errors
    .filter((e): e is ErrorDetail => typeof e?.message === "string")
    .map((e) => ({ key: typeof e.key === "string" ? e.key : "", message: e.message }));
  return details.length ? details : undefined;
}
