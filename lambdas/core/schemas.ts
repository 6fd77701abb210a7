import { z } from "zod";

import { LIMITS, SCOPE_ID_PATTERN, SECRET_NAME_PATTERN } from "./limits.ts";

/** Limits from DESIGN §3 (core/limits.ts). Shared by the API, the OpenAPI document, the SDK, the CLI and the UI. */
export { LIMITS, SCOPE_ID_PATTERN, SECRET_NAME_PATTERN } from "./limits.ts";

export const secretNameSchema = z.string({ error: "name must be a string" }).regex(SECRET_NAME_PATTERN, {
  error:
    "name must start with a letter or underscore and contain only letters, digits and underscores (at most 256 characters), e.g. SLACK_TOKEN",
});

export const scopeIdSchema = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(SCOPE_ID_PATTERN, {
      error: `${what} must be 1-64 characters of letters, digits, '_' or '-', e.g. us_env_123`,
    })
    // "-" stands for "no space" in the encryption context, so it may never name a real scope.
    .refine((v) => v !== "-", { error: `${what} must not be "-" alone` });

export const environmentIdSchema = scopeIdSchema("environmentId");
export const spaceIdSchema = scopeIdSchema("spaceId");

const utf8Length = (s: string): number => Buffer.byteLength(s, "utf8");

export const secretValueSchema = z
  .string({ error: "value must be a string" })
  .refine((v) => utf8Length(v) >= 1, { error: "value must not be empty (1 byte to 64 KiB of UTF-8)" })
  .refine((v) => utf8Length(v) <= LIMITS.valueMaxBytes, {
    error:
      "value is larger than 64 KiB (65,536 bytes of UTF-8); store large blobs elsewhere and keep a reference",
  });

export const displayNameSchema = z
  .string({ error: "name must be a string" })
  .trim()
  .min(1, { error: "name must not be empty" })
  .max(200, { error: "name must be at most 200 characters" });

export const versionSchema = z
  .number({ error: "version must be a whole number" })
  .int({ error: "version must be a whole number" })
  .min(1, { error: "version must be 1 or greater" });

export const expectedVersionSchema = z
  .number({ error: "expectedVersion must be a whole number" })
  .int({ error: "expectedVersion must be a whole number" })
  .min(0, { error: "expectedVersion must be 0 (create only) or the version you read" });
