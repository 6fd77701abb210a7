import { AppError, unavailable } from "../core/errors.ts";

const THROTTLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "LimitExceededException",
]);
const TRANSIENT = new Set([
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "TimeoutError",
  "RequestTimeout",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
]);

/** True for DynamoDB's "the condition did not hold" answer, which callers treat as data, not failure. */
export const isConditionFailed = (e: unknown): boolean =>
  (e as { name?: string } | null)?.name === "ConditionalCheckFailedException";

/**
 * Translates any DynamoDB SDK error into the domain's AppError. The SDK has already retried throttling
 * with backoff by the time an error reaches here, so throttling becomes 503 + Retry-After.
 */
export function translateDynamoError(e: unknown, table: string): AppError {
  if (e instanceof AppError) return e;
  const err = e as { name?: string; code?: string; message?: string } | null;
  const name = err?.name ?? "";
  const code = err?.code ?? "";
  if (THROTTLE.has(name)) return unavailable("The datastore is throttling requests and", e, 2);
  if (TRANSIENT.has(name) || TRANSIENT.has(code)) return unavailable("The datastore", e, 1);
  if (name === "ResourceNotFoundException") return unavailable(`The table ${table} does not exist or`, e, 5);
  if (name === "AccessDeniedException" || name === "UnrecognizedClientException")
    return unavailable("Access to the datastore was denied, so it", e, 5);
  return new AppError("internal", "The datastore rejected a request; this is a bug, please report it.", {
    cause: e,
  });
}
