import { describe, expect, it } from "vitest";
import { accessLogLine as gatewayLine } from "../../emulator/gateway-rules.ts";
import {
  ACCESS_LOG_FIELDS,
  ACCESS_LOG_FORMAT,
  ACCESS_LOG_PATTERN,
  ACCESS_LOG_QUERY,
  type AccessLogField,
  accessLogLine,
} from "../../infra/log-settings.ts";

/** Values by $context variable (what API Gateway fills in), from values by field name. */
const byVariable = (values: Partial<Record<AccessLogField, string>>) =>
  Object.fromEntries(ACCESS_LOG_FIELDS.map((f) => [f.variable.slice("$context.".length), values[f.name]]));
const parse = (line: string) => new RegExp(ACCESS_LOG_PATTERN).exec(line)?.groups;

/**
 * The access-log line is space-separated to save bytes, so its reader (the saved Logs Insights query) must
 * get every field back: lines written by the emulated gateway from the stage's format, parsed by the query's
 * pattern.
 */
describe("API access log line", () => {
  it("a warm read: every field back by name, absent ones as -", () => {
    const line = gatewayLine(
      ACCESS_LOG_FORMAT,
      byVariable({
        requestId: "Pq3xYhGeoAMEbQw=",
        ip: "2001:db8::7",
        route: "GET /v1/secrets",
        status: "200",
        ms: "14",
        tokenId: "tok_01jz8m3v4x9k2q7w5e6r8t0y1u",
      }),
    );
    expect(line).toBe(
      'Pq3xYhGeoAMEbQw= 2001:db8::7 "GET /v1/secrets" 200 14 tok_01jz8m3v4x9k2q7w5e6r8t0y1u "-" "-" "-"',
    );
    expect({ ...parse(line) }).toEqual({
      requestId: "Pq3xYhGeoAMEbQw=",
      ip: "2001:db8::7",
      route: "GET /v1/secrets",
      status: "200",
      ms: "14",
      tokenId: "tok_01jz8m3v4x9k2q7w5e6r8t0y1u",
      error: "-",
      authError: "-",
      integrationError: "-",
    });
  });

  it("errors with spaces and quotes stay in their own fields", () => {
    const values = {
      requestId: "Pq3xYhGeoAMEbQx=",
      ip: "203.0.113.7",
      route: "POST /v1/secrets",
      status: "500",
      ms: "30012",
      error: "Internal Server Error",
      authError: 'The "authorizer" failed',
      integrationError: 'Lambda said "no" and "then" timed out',
    };
    const fields = parse(gatewayLine(ACCESS_LOG_FORMAT, byVariable(values)));
    expect(fields).toMatchObject({
      route: "POST /v1/secrets",
      status: "500",
      tokenId: "-",
      error: "Internal Server Error",
      // The gateway escapes quotes inside a quoted value; the pattern keeps the value whole.
      authError: 'The \\"authorizer\\" failed',
    });
    expect(fields?.integrationError).toContain('and \\"then\\" timed out');
    // The last field takes anything, even unescaped quotes.
    const raw = accessLogLine({
      ...values,
      tokenId: "-",
      authError: "-",
      integrationError: 'a "b" c',
    });
    expect(parse(raw)).toMatchObject({ authError: "-", integrationError: 'a "b" c' });
  });

  it("the cost model's sample is the line the gateway writes", () => {
    const values = {
      requestId: "r",
      ip: "i",
      route: "GET /v1/whoami",
      status: "401",
      ms: "3",
      tokenId: "-",
      error: "Unauthorized",
      authError: "-",
      integrationError: "-",
    };
    expect(accessLogLine(values)).toBe(gatewayLine(ACCESS_LOG_FORMAT, byVariable(values)));
  });

  it("carries no path, query string or header, and the query names every field", () => {
    expect(ACCESS_LOG_FORMAT).not.toMatch(/\$context\.(path|rawPath|querystring)|header/i);
    expect(ACCESS_LOG_FORMAT).toMatch(/^\$context\.requestId /);
    expect(ACCESS_LOG_QUERY.fields).toEqual(["@timestamp", ...ACCESS_LOG_FIELDS.map((f) => f.name)]);
    // Logs Insights parses with RE2: no lookaround, no backreference.
    expect(ACCESS_LOG_PATTERN).not.toMatch(/\(\?[=!]|\(\?<[=!]|\\[1-9]/);
  });
});
