import { SecretsError } from "../sdk/errors.ts";

/** The CLI's exit codes (docs/cli.md). `exec` passes its command's code through instead. */
export const EXIT = {
  ok: 0,
  /** The request was rejected (invalid input, conflict, version mismatch), or a listener handler failed. */
  failed: 1,
  /** Wrong flags or arguments, unreadable input file, missing configuration. */
  usage: 2,
  /** The secret, scope or token does not exist (or is outside the token's scope). */
  notFound: 3,
  /** No token, an unknown/expired/revoked token, or a role that may not do this. */
  auth: 4,
  /** The service could not be reached, timed out, throttled, or failed (5xx). */
  unavailable: 5,
} as const;

/** A failure the CLI reports as one line and an exit code. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** The exit code for an SDK error. */
export function exitCodeFor(e: SecretsError): number {
  if (e.code === "not_found") return EXIT.notFound;
  if (e.code === "unauthorized" || e.code === "forbidden") return EXIT.auth;
  if (e.status === 0 && (e.code === "invalid_input" || e.code === "insecure_transport")) return EXIT.usage;
  if (e.status === 0 || e.status >= 500 || e.code === "throttled" || e.code === "unavailable")
    return EXIT.unavailable;
  return EXIT.failed;
}

export const isSecretsError = (e: unknown): e is SecretsError => e instanceof SecretsError;
