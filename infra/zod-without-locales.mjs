// Bundle-time stand-in for "zod" in the Lambda functions (infra/bundling.ts aliases "zod" to this file):
// zod 4's entry (zod/index.js → v4/classic/external.js) minus `z.locales`, its error messages in 40-odd
// languages (258 KiB of a 977 KiB api bundle; nothing here calls z.config(z.locales.…)). English stays:
// zod registers it itself on the first schema. If zod moves these files or adds an export that a bundled
// library needs, the bundle fails to build (test/lambda/bundles.test.ts), never silently.

export * from "../node_modules/zod/v4/classic/checks.js";
export * as coerce from "../node_modules/zod/v4/classic/coerce.js";
export * from "../node_modules/zod/v4/classic/compat.js";
export { deepPartial } from "../node_modules/zod/v4/classic/deep-partial.js";
export * from "../node_modules/zod/v4/classic/errors.js";
export { fromJSONSchema } from "../node_modules/zod/v4/classic/from-json-schema.js";
export { input, output } from "../node_modules/zod/v4/classic/in-out.js";
export * as iso from "../node_modules/zod/v4/classic/iso.js";
export {
  ZodISODate,
  ZodISODateTime,
  ZodISODuration,
  ZodISOTime,
} from "../node_modules/zod/v4/classic/iso.js";
export * from "../node_modules/zod/v4/classic/parse.js";
export * from "../node_modules/zod/v4/classic/schemas.js";
export { toJSONSchema } from "../node_modules/zod/v4/core/json-schema-processors.js";
export * as core from "./zod-core-without-locales.mjs";
export {
  $brand,
  $input,
  $output,
  clone,
  compile,
  config,
  flattenError,
  formatError,
  getDiscriminatedOption,
  globalRegistry,
  INVALID,
  memoizer,
  NEVER,
  prettifyError,
  regexes,
  registry,
  TimePrecision,
  toZod,
  treeifyError,
  util,
  withParser,
  ZodCompileAsyncError,
  ZodCompileUnsupportedError,
} from "./zod-core-without-locales.mjs";

import * as z from "./zod-without-locales.mjs";

export { z, z as default };
