import { LIMITS, SCOPE_ID_PATTERN, SECRET_NAME_PATTERN } from "./limits.ts";

/**
 * The core services' own field checks (defence in depth behind the API's schemas), without zod: the
 * services are in the reader function's bundle, which carries no zod. Each is the zod schema of the same
 * name in core/schemas.ts as core/validate.ts#parse uses it — the same accepted values and output, the same
 * first message — and test/unit/field-checks.test.ts compares them over generated inputs.
 */

type SafeParse<T> = {
  safeParse(
    v: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } };
};

const ok = <T>(data: T) => ({ success: true as const, data });
const fail = (message: string) => ({ success: false as const, error: { issues: [{ message }] } });

export const secretNameSchema: SafeParse<string> = {
  safeParse: (v) =>
    typeof v !== "string"
      ? fail("name must be a string")
      : SECRET_NAME_PATTERN.test(v)
        ? ok(v)
        : fail(
            "name must start with a letter or underscore and contain only letters, digits and underscores (at most 256 characters), e.g. SLACK_TOKEN",
          ),
};

const scopeIdSchema = (what: string): SafeParse<string> => ({
  safeParse: (v) =>
    typeof v !== "string"
      ? fail(`${what} must be a string`)
      : !SCOPE_ID_PATTERN.test(v)
        ? fail(`${what} must be 1-64 characters of letters, digits, '_' or '-', e.g. us_env_123`)
        : v === "-"
          ? fail(`${what} must not be "-" alone`)
          : ok(v),
});

export const environmentIdSchema = scopeIdSchema("environmentId");
export const spaceIdSchema = scopeIdSchema("spaceId");

export const secretValueSchema: SafeParse<string> = {
  safeParse: (v) => {
    if (typeof v !== "string") return fail("value must be a string");
    const bytes = Buffer.byteLength(v, "utf8");
    if (bytes < 1) return fail("value must not be empty (1 byte to 64 KiB of UTF-8)");
    if (bytes > LIMITS.valueMaxBytes)
      return fail(
        "value is larger than 64 KiB (65,536 bytes of UTF-8); store large blobs elsewhere and keep a reference",
      );
    return ok(v);
  },
};

export const displayNameSchema: SafeParse<string> = {
  safeParse: (v) => {
    if (typeof v !== "string") return fail("name must be a string");
    const name = v.trim();
    if (name.length < 1) return fail("name must not be empty");
    if (name.length > 200) return fail("name must be at most 200 characters");
    return ok(name);
  },
};

/** z.number().int().min(min), every message the given one but the minimum's. */
const wholeNumber = (typeMessage: string, min: number, minMessage: string): SafeParse<number> => ({
  safeParse: (v) =>
    typeof v !== "number" || !Number.isSafeInteger(v)
      ? fail(typeMessage)
      : v < min
        ? fail(minMessage)
        : ok(v),
});

export const versionSchema = wholeNumber("version must be a whole number", 1, "version must be 1 or greater");
export const expectedVersionSchema = wholeNumber(
  "expectedVersion must be a whole number",
  0,
  "expectedVersion must be 0 (create only) or the version you read",
);
