import { z } from "@hono/zod-openapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as checks from "../../lambdas/api/reads/checks.ts";
import {
  ListAuditQuery,
  ListSecretsQuery,
  ListSpacesQuery,
  PageQuery,
  RevealQuery,
} from "../../lambdas/api/schemas.ts";
import * as fieldChecks from "../../lambdas/core/field-checks.ts";
import * as zodFields from "../../lambdas/core/schemas.ts";

/**
 * The reader function's zod-free checks (api/reads/checks.ts) and the core's field checks
 * (core/field-checks.ts) against the zod schemas they stand in for, over generated inputs: the same
 * accepted values and output, the same issues (code, path, message) in the same order.
 */

type Parsed = {
  success: boolean;
  data?: unknown;
  error?: { issues: ReadonlyArray<{ code: string; path: readonly PropertyKey[]; message: string }> };
};
const outcome = (r: Parsed) =>
  r.success
    ? { ok: true, data: r.data }
    : {
        ok: false,
        issues: r.error?.issues.map((i) => ({ code: i.code, path: [...i.path], message: i.message })),
      };

// Values a query string or header can carry (hono hands a repeated parameter over as an array), biased
// towards each schema's edges.
const edgeText = fc.constantFrom(
  "",
  "-",
  " ",
  "_",
  "a",
  "A_1",
  "1a",
  "us_env_123",
  "sp-1",
  "a/b",
  "a b",
  "é",
  "x".repeat(64),
  "x".repeat(65),
  "N".repeat(256),
  "N".repeat(257),
  "c".repeat(2048),
  "c".repeat(2049),
  "e".repeat(4096),
  "e".repeat(4097),
  "true",
  "false",
  "TRUE",
  "0",
  "1",
  "1000",
  "1001",
  "-1",
  "-0",
  "0.5",
  "1.5",
  "1e3",
  "1e20",
  "0x10",
  " 12 ",
  "Infinity",
  "NaN",
  "9007199254740993",
  "-9007199254740993",
  "2e-400",
);
const textValue = fc.oneof(
  edgeText,
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
);
const queryValue = fc.oneof(
  { weight: 6, arbitrary: textValue },
  { weight: 1, arbitrary: fc.array(textValue, { minLength: 2, maxLength: 3 }) },
);
const KEYS = ["reveal", "cursor", "limit", "environmentId", "spaceId", "name", "actorId", "other"];
const query = fc.dictionary(fc.constantFrom(...KEYS), queryValue, { maxKeys: 7 });

const cases: Array<[string, { safeParse(v: unknown): Parsed }, (v: Record<string, unknown>) => Parsed]> = [
  ["PageQuery", PageQuery, checks.checkPageQuery],
  ["ListSpacesQuery", ListSpacesQuery, checks.checkListSpacesQuery],
  ["ListAuditQuery", ListAuditQuery, checks.checkListAuditQuery],
  ["RevealQuery", RevealQuery, checks.checkRevealQuery],
  ["ListSecretsQuery", ListSecretsQuery, checks.checkListSecretsQuery],
];

describe("reader query checks = the zod schemas", () => {
  for (const [name, schema, check] of cases)
    it(`${name}: same result for generated queries`, () => {
      fc.assert(
        fc.property(query, (q) => {
          expect(outcome(check(q))).toEqual(outcome(schema.safeParse(q)));
        }),
        { numRuns: 1500 },
      );
    });

  it("path ids and If-None-Match: same result for generated values", () => {
    const params: Array<[string, { safeParse(v: unknown): Parsed }, (v: Record<string, unknown>) => Parsed]> =
      [
        ["secretId", z.object({ secretId: z.string().min(1).max(128) }), checks.checkSecretParam],
        [
          "environmentId",
          z.object({ environmentId: zodFields.environmentIdSchema }),
          checks.checkEnvironmentParam,
        ],
        ["spaceId", z.object({ spaceId: zodFields.spaceIdSchema }), checks.checkSpaceParam],
        [
          "if-none-match",
          z.object({ "if-none-match": z.string().max(4096).optional() }),
          checks.checkIfNoneMatch,
        ],
      ];
    const value = fc.oneof(
      textValue,
      fc.constant("s".repeat(128)),
      fc.constant("s".repeat(129)),
      fc.constant(undefined),
    );
    for (const [key, schema, check] of params)
      fc.assert(
        fc.property(
          value,
          fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })),
          (v, rest) => {
            const input = { ...rest, [key]: v };
            expect(outcome(check(input)), key).toEqual(outcome(schema.safeParse(input)));
          },
        ),
        { numRuns: 600 },
      );
  });

  it("the messages a caller sees for typical mistakes", () => {
    expect(checks.checkListSecretsQuery({ limit: "0.5", name: "1a" })).toMatchObject({
      success: false,
      error: {
        issues: [
          { path: ["limit"], message: "limit must be a whole number" },
          { path: ["environmentId"], message: "environmentId must be a string" },
          { path: ["name"], message: expect.stringMatching(/^name must start with a letter/) },
        ],
      },
    });
  });
});

describe("core field checks = the zod schemas", () => {
  const anyValue = fc.oneof(
    textValue,
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.constantFrom(
      "x".repeat(201),
      ` ${"y".repeat(200)} `,
      "💥".repeat(16_385),
      "v".repeat(65_536),
      "v".repeat(65_537),
    ),
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -0, 1, -1, 2 ** 53, -(2 ** 53), 1e20, Number.NaN, Number.POSITIVE_INFINITY, 1.5),
    fc.constantFrom(null, undefined, true, [], {}),
  );
  type Schema = { safeParse(v: unknown): unknown };
  const pairs: Array<[string, Schema, Schema]> = [
    ["secretNameSchema", fieldChecks.secretNameSchema, zodFields.secretNameSchema],
    ["environmentIdSchema", fieldChecks.environmentIdSchema, zodFields.environmentIdSchema],
    ["spaceIdSchema", fieldChecks.spaceIdSchema, zodFields.spaceIdSchema],
    ["secretValueSchema", fieldChecks.secretValueSchema, zodFields.secretValueSchema],
    ["displayNameSchema", fieldChecks.displayNameSchema, zodFields.displayNameSchema],
    ["versionSchema", fieldChecks.versionSchema, zodFields.versionSchema],
    ["expectedVersionSchema", fieldChecks.expectedVersionSchema, zodFields.expectedVersionSchema],
  ];
  // core/validate.ts#parse uses the first issue's message and the output.
  const first = (r: Parsed) =>
    r.success ? { ok: true, data: r.data } : { ok: false, message: r.error?.issues[0]?.message };
  for (const [name, ours, theirs] of pairs)
    it(`${name}: same output or first message`, () => {
      fc.assert(
        fc.property(anyValue, (v) => {
          expect(first(ours.safeParse(v) as Parsed)).toEqual(first(theirs.safeParse(v) as Parsed));
        }),
        { numRuns: 1500 },
      );
    });
});
