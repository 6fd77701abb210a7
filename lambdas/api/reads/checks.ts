import { SCOPE_ID_PATTERN, SECRET_NAME_PATTERN } from "../../core/limits.ts";
import type { ValidationIssue } from "../validation.ts";

/**
 * The GET routes' query, path and header schemas without zod, for the reader function's bundle (zod is a
 * third of it and most of its cold start). Each check reproduces its zod schema in api/schemas.ts exactly:
 * the same accepted values and output, the same issues in the same order with the same messages.
 * test/unit/read-checks.test.ts compares both over generated inputs, so they cannot drift apart.
 */

type Result<T> = { success: true; data: T } | { success: false; error: { issues: ValidationIssue[] } };

/** A field check: the parsed value, or the messages (with zod's issue code) for a bad one. */
type Field<T> = (value: unknown) => { ok: true; value: T } | { ok: false; issues: Array<[string, string]> };

const typeName = (v: unknown) => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);

/** z.string() with zod's default messages, optionally .min()/.max(). */
function text(options: { min?: number; max?: number; typeError?: string } = {}): Field<string> {
  return (v) => {
    if (typeof v !== "string")
      return {
        ok: false,
        issues: [
          ["invalid_type", options.typeError ?? `Invalid input: expected string, received ${typeName(v)}`],
        ],
      };
    const issues: Array<[string, string]> = [];
    if (options.min !== undefined && v.length < options.min)
      issues.push(["too_small", `Too small: expected string to have >=${options.min} characters`]);
    if (options.max !== undefined && v.length > options.max)
      issues.push(["too_big", `Too big: expected string to have <=${options.max} characters`]);
    return issues.length ? { ok: false, issues } : { ok: true, value: v };
  };
}

/** core/schemas.ts scopeIdSchema: string, the id pattern, never "-" alone. */
function scopeId(what: string): Field<string> {
  return (v) => {
    if (typeof v !== "string") return { ok: false, issues: [["invalid_type", `${what} must be a string`]] };
    const issues: Array<[string, string]> = [];
    if (!SCOPE_ID_PATTERN.test(v))
      issues.push([
        "invalid_format",
        `${what} must be 1-64 characters of letters, digits, '_' or '-', e.g. us_env_123`,
      ]);
    if (v === "-") issues.push(["custom", `${what} must not be "-" alone`]);
    return issues.length ? { ok: false, issues } : { ok: true, value: v };
  };
}

/** core/schemas.ts secretNameSchema. */
const secretName: Field<string> = (v) => {
  if (typeof v !== "string") return { ok: false, issues: [["invalid_type", "name must be a string"]] };
  if (!SECRET_NAME_PATTERN.test(v))
    return {
      ok: false,
      issues: [
        [
          "invalid_format",
          "name must start with a letter or underscore and contain only letters, digits and underscores (at most 256 characters), e.g. SLACK_TOKEN",
        ],
      ],
    };
  return { ok: true, value: v };
};

/**
 * schemas.ts limitSchema: z.coerce.number().int().min(1).max(1000). Coercion is Number(); a non-finite
 * result fails as a type, a fraction fails .int() and stops there, an integer outside the safe range
 * fails .int() and still meets min/max (zod's order of checks).
 */
const limit: Field<number> = (v) => {
  const n = Number(v);
  if (!Number.isFinite(n)) return { ok: false, issues: [["invalid_type", "limit must be a number"]] };
  if (!Number.isInteger(n)) return { ok: false, issues: [["invalid_type", "limit must be a whole number"]] };
  const issues: Array<[string, string]> = [];
  if (!Number.isSafeInteger(n))
    issues.push([n > 0 ? "too_big" : "too_small", "limit must be a whole number"]);
  const range = "limit must be between 1 and 1000";
  if (n < 1) issues.push(["too_small", range]);
  if (n > 1000) issues.push(["too_big", range]);
  return issues.length ? { ok: false, issues } : { ok: true, value: n };
};

/** schemas.ts RevealQuery's reveal. */
const reveal: Field<"true" | "false"> = (v) =>
  v === "true" || v === "false"
    ? { ok: true, value: v }
    : { ok: false, issues: [["invalid_value", "reveal must be true or false"]] };

type Shape = Record<string, { check: Field<unknown>; optional: boolean }>;
type Output<S extends Shape> = {
  [K in keyof S as S[K]["optional"] extends true ? never : K]: FieldType<S[K]>;
} & {
  [K in keyof S as S[K]["optional"] extends true ? K : never]?: FieldType<S[K]>;
};
type FieldType<F> = F extends { check: Field<infer T> } ? T : never;

const required = <T>(check: Field<T>) => ({ check, optional: false as const });
const optional = <T>(check: Field<T>) => ({ check, optional: true as const });

/** z.object(shape): unknown keys dropped, every field checked in shape order, all issues reported. */
function object<S extends Shape>(shape: S): (input: Record<string, unknown>) => Result<Output<S>> {
  return (input) => {
    const data: Record<string, unknown> = {};
    const issues: ValidationIssue[] = [];
    for (const [key, { check, optional: isOptional }] of Object.entries(shape)) {
      const value = input[key];
      if (value === undefined && isOptional) continue;
      const result = check(value);
      if (result.ok) data[key] = result.value;
      else for (const [code, message] of result.issues) issues.push({ code, path: [key], message });
    }
    return issues.length ? { success: false, error: { issues } } : { success: true, data: data as Output<S> };
  };
}

const page = { cursor: optional(text({ max: 2048 })), limit: optional(limit) };

/** GET /v1/environments, /v1/tokens, /v1/secrets/{secretId}/versions: PageQuery. */
export const checkPageQuery = object(page);
/** GET /v1/spaces: ListSpacesQuery. */
export const checkListSpacesQuery = object({ ...page, environmentId: optional(scopeId("environmentId")) });
/** GET /v1/audit: ListAuditQuery. */
export const checkListAuditQuery = checkListSpacesQuery;
/** GET /v1/secrets/{secretId}: RevealQuery. */
export const checkRevealQuery = object({ reveal: optional(reveal) });
/** GET /v1/secrets: ListSecretsQuery (reveal, cursor, limit, environmentId, spaceId, name, in that order). */
export const checkListSecretsQuery = object({
  reveal: optional(reveal),
  ...page,
  environmentId: required(scopeId("environmentId")),
  spaceId: optional(scopeId("spaceId")),
  name: optional(secretName),
});
/** GET /v1/secrets: the If-None-Match header. */
export const checkIfNoneMatch = object({ "if-none-match": optional(text({ max: 4096 })) });
/** Path ids checked as z.string().min(1).max(128) (secretId, tokenId). */
export const checkSecretParam = object({ secretId: required(text({ min: 1, max: 128 })) });
/** GET /v1/environments/{environmentId}. */
export const checkEnvironmentParam = object({ environmentId: required(scopeId("environmentId")) });
/** GET /v1/spaces/{spaceId}. */
export const checkSpaceParam = object({ spaceId: required(scopeId("spaceId")) });
