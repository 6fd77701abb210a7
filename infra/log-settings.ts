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
 * The API's access log: one space-separated line per request, since it is paid per byte (a JSON line with
 * the same fields is ~55 B longer; the stack ships a saved Logs Insights query that names them instead).
 * Free text is quoted and last; absent values print "-". No time field: every log event carries its own
 * timestamp (`@timestamp`). Documented in docs/deploy.md ("Access log").
 */
export const ACCESS_LOG_FIELDS = [
  { name: "requestId", variable: "$context.requestId" },
  { name: "ip", variable: "$context.identity.sourceIp" },
  // The route key ("GET /v1/secrets/{secretId}"), never the path: ids and names stay out of the log.
  { name: "route", variable: "$context.routeKey", quoted: true },
  { name: "status", variable: "$context.status" },
  { name: "ms", variable: "$context.responseLatency" },
  // Who called: the token id the authorizer returns ("-" on open routes, or when the token did not authenticate).
  { name: "tokenId", variable: "$context.authorizer.tokenId" },
  // API Gateway's own error ("Unauthorized" without a header, "Too Many Requests", …; "-" if the app answered).
  { name: "error", variable: "$context.error.message", quoted: true },
  // Why the authorizer failed, e.g. it threw because DynamoDB was unreachable and API Gateway answered 500.
  { name: "authError", variable: "$context.authorizer.error", quoted: true },
  // Why the Lambda integration failed (timeout, crash, bad response).
  { name: "integrationError", variable: "$context.integrationErrorMessage", quoted: true },
] as const;

export type AccessLogField = (typeof ACCESS_LOG_FIELDS)[number]["name"];

const render = (value: (f: (typeof ACCESS_LOG_FIELDS)[number]) => string) =>
  ACCESS_LOG_FIELDS.map((f) => ("quoted" in f ? `"${value(f)}"` : value(f))).join(" ");

/** The stage's access-log format ($context variables). */
export const ACCESS_LOG_FORMAT = render((f) => f.variable);

/** An access-log line with the given values, as API Gateway writes it (the cost model sizes it). */
export const accessLogLine = (values: Record<AccessLogField, string>): string =>
  render((f) => values[f.name]);

/**
 * A regular expression with one named group per field: Logs Insights' `parse` (RE2) and JavaScript read it
 * alike. A quoted value may hold escaped quotes; the last one may hold anything.
 */
export const ACCESS_LOG_PATTERN = `^${ACCESS_LOG_FIELDS.map((f, i) =>
  !("quoted" in f)
    ? `(?<${f.name}>\\S+)`
    : i === ACCESS_LOG_FIELDS.length - 1
      ? `"(?<${f.name}>.*)"`
      : `"(?<${f.name}>(?:[^"\\\\]|\\\\.)*)"`,
).join(" ")}$`;

/** The saved Logs Insights query the stack creates on the access log: every field by name, newest first. */
export const ACCESS_LOG_QUERY = {
  parse: `@message /${ACCESS_LOG_PATTERN}/`,
  fields: ["@timestamp", ...ACCESS_LOG_FIELDS.map((f) => f.name)],
  sort: "@timestamp desc",
  limit: 1000,
} as const;
