import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { environmentIdSchema, spaceIdSchema } from "../../lambdas/core/schemas.ts";
import {
  parseAuthorizerContext,
  parseDeniedContext,
  UNBOUND,
} from "../../lambdas/handlers/authorizer-context.ts";
import { readApiEnv, readTableEnv } from "../../lambdas/handlers/env.ts";

/**
 * The functions' hand-written checks of the authorizer context and of their environment, against the zod
 * schemas they replaced (kept here as the reference): zod is out of the reader's and the authorizer's
 * bundles, the accepted values are the same.
 */

const bound = <T extends z.ZodType<string>>(id: T) =>
  z.union([z.literal(UNBOUND), z.literal("").transform(() => UNBOUND), id]);
const AuthorizerContextSchema = z.object({
  tokenId: z.string().min(1),
  role: z.enum(["admin", "operator", "agent"]),
  environmentId: bound(environmentIdSchema),
  spaceId: bound(spaceIdSchema),
  name: z.string().min(1),
  expiresAt: z.string().min(1).optional(),
});
const DeniedContextSchema = z.object({
  denied: z.enum(["no_bearer", "malformed", "unknown_revoked_or_expired"]),
});

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));
const TableEnvSchema = z.object({
  TABLE_NAME: z.string().trim().min(1, "set TABLE_NAME to the DynamoDB table name"),
  DYNAMODB_ENDPOINT: optionalText,
  AWS_REGION: optionalText,
});
const ApiEnvSchema = TableEnvSchema.extend({
  KEY_ARN: optionalText,
  LOCAL_MASTER_KEY_FILE: optionalText,
  EVENT_BUS_NAME: optionalText,
  SERVER_ID: optionalText,
  STS_ENDPOINT: optionalText,
}).refine((e) => e.KEY_ARN !== undefined || e.LOCAL_MASTER_KEY_FILE !== undefined, {
  message: "set KEY_ARN (the KMS key) or LOCAL_MASTER_KEY_FILE (a local master key)",
  path: ["KEY_ARN"],
});

const text = fc.oneof(
  fc.constantFrom(
    "",
    "-",
    " ",
    "us_env_1",
    "sp-1",
    "a/b",
    "x".repeat(64),
    "x".repeat(65),
    "tok_1",
    "2030-01-01T00:00:00Z",
  ),
  fc.constantFrom(
    "admin",
    "operator",
    "agent",
    "root",
    "no_bearer",
    "malformed",
    "unknown_revoked_or_expired",
  ),
  fc.string({ maxLength: 8 }),
);
const anyValue = fc.oneof({ weight: 8, arbitrary: text }, fc.constantFrom(undefined, null, 42, true, [], {}));

describe("authorizer context: hand-checked = the zod schema it replaced", () => {
  it("accepts and reads the same contexts", () => {
    const keys = ["tokenId", "role", "environmentId", "spaceId", "name", "expiresAt", "denied", "other"];
    const raw = fc.oneof(
      fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: 8 }),
      fc.record({ tokenId: text, role: text, environmentId: text, spaceId: text, name: text }),
      fc.record({ denied: text }),
      fc.constantFrom(undefined, null, "admin", [], 7),
    );
    fc.assert(
      fc.property(raw, (r) => {
        const theirs = AuthorizerContextSchema.safeParse(r);
        const ours = parseAuthorizerContext(r);
        expect(ours, JSON.stringify(r)).toEqual(theirs.success ? theirs.data : undefined);
        const denied = DeniedContextSchema.safeParse(r);
        expect(parseDeniedContext(r)).toEqual(denied.success ? denied.data : undefined);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("function environment: hand-checked = the zod schema it replaced", () => {
  const envValue = fc.oneof(
    fc.constantFrom(undefined, "", "  ", " t ", "tbl", "arn:aws:kms:x", "/tmp/k"),
    fc.string({ maxLength: 5 }),
  );
  const env = fc.record({
    TABLE_NAME: envValue,
    DYNAMODB_ENDPOINT: envValue,
    AWS_REGION: envValue,
    KEY_ARN: envValue,
    LOCAL_MASTER_KEY_FILE: envValue,
    EVENT_BUS_NAME: envValue,
    SERVER_ID: envValue,
    STS_ENDPOINT: envValue,
  });
  const outcome = (f: () => unknown) => {
    try {
      return { ok: true, value: f() };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  };
  const zodParse = (schema: z.ZodType, e: Record<string, string | undefined>) => () => {
    const parsed = schema.safeParse(e);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`scoped-secrets function misconfigured: ${problems}`);
  };
  it("reads the same values and fails with the same message", () => {
    fc.assert(
      fc.property(env, (e) => {
        expect(outcome(() => readTableEnv(e))).toEqual(outcome(zodParse(TableEnvSchema, e)));
        expect(outcome(() => readApiEnv(e))).toEqual(outcome(zodParse(ApiEnvSchema, e)));
      }),
      { numRuns: 2000 },
    );
  });
});
