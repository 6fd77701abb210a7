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
