/**
 * Log settings that decide most of the per-request bill (docs/performance.md): functions log JSON with
 * Lambda's platform lines (START/END/REPORT) filtered out, and the API's access log goes to an Infrequent
 * Access log group (half the ingestion price; it needs no metric filters). The benchmark's cost model
 * reads these so the "as deployed" figure follows the stack.
 */
export const LOG_SETTINGS = {
  /** Lambda system log level: WARN drops the three platform lines every invocation would print. */
  functionSystemLogLevel: "WARN",
  /** Application log level: the functions log writes and errors at INFO, warm reads not at all. */
  functionApplicationLogLevel: "INFO",
  accessLogClass: "INFREQUENT_ACCESS",
} as const;

/**
 * The API's JSON access log: one short line per request (what it costs is per byte). Enough to trace a
 * request to its route, status, latency and token, and to see gateway or authorizer errors.
 */
export const ACCESS_LOG_FIELDS = {
  // No time field: every CloudWatch log event carries its own timestamp.
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  route: "$context.routeKey",
  status: "$context.status",
  ms: "$context.responseLatency",
  tokenId: "$context.authorizer.tokenId",
  error: "$context.error.message",
  // Why the authorizer failed (HTTP API logging variables: "the error message returned from an authorizer"),
  // e.g. when it threw because DynamoDB was unreachable and API Gateway answered 500.
  authError: "$context.authorizer.error",
} as const;

/** An access-log line with the given values, in the stack's field order (the cost model sizes it). */
export const accessLogLine = (values: Record<keyof typeof ACCESS_LOG_FIELDS, string>): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.keys(ACCESS_LOG_FIELDS).map((k) => [k, values[k as keyof typeof ACCESS_LOG_FIELDS]]),
    ),
  );
