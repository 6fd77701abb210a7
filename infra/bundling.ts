import { resolve } from "node:path";
import { type BundlingOptions, LogLevel, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import type { BuildOptions } from "esbuild";

/** The repository root: NodejsFunction entries and the lock file live under it. */
export const PROJECT_ROOT = resolve(import.meta.dirname, "..");

/**
 * The Lambda entry points, bundled one per function: `api` is the whole app (the writer function), `reader`
 * every GET route without zod (the reader function, the agent hot path).
 */
export const ENTRIES = {
  api: resolve(PROJECT_ROOT, "lambdas/handlers/api.ts"),
  reader: resolve(PROJECT_ROOT, "lambdas/handlers/reader.ts"),
  authorizer: resolve(PROJECT_ROOT, "lambdas/handlers/authorizer.ts"),
} as const;

// Some bundled CommonJS code calls require() for Node built-ins, which an ES module does not have.
const REQUIRE_SHIM =
  "import { createRequire as __ssCreateRequire } from 'node:module'; const require = __ssCreateRequire(import.meta.url);";

/**
 * "zod" without its 40-odd translations of the error messages (see the file): the api bundle's largest
 * part, compiled on every cold start. Relative to PROJECT_ROOT, where esbuild runs.
 */
export const ZOD_ALIAS = "./infra/zod-without-locales.mjs";

/** The SDK's default credential chain reduced to what Lambda uses: the environment (see the file). */
export const CREDENTIALS_ALIAS = "./infra/lambda-credentials.mjs";

/** esbuild settings, in one place so the stack and the bundle tests build the very same artefact. */
export const BUNDLE = {
  target: "node24",
  /** ESM: api.ts composes with top-level await during the cold start. */
  format: "esm",
  minify: true,
  sourceMap: true,
  mainFields: ["module", "main"],
  banner: REQUIRE_SHIM,
  /** Bundle the AWS SDK too: the version tested is the version that runs, not the runtime's copy. */
  externalModules: [] as string[],
} as const;

/** NodejsFunction bundling props (local esbuild; there is no Docker here or in CI). */
export const nodejsBundling: BundlingOptions = {
  target: BUNDLE.target,
  format: OutputFormat.ESM,
  minify: BUNDLE.minify,
  sourceMap: BUNDLE.sourceMap,
  mainFields: [...BUNDLE.mainFields],
  banner: BUNDLE.banner,
  externalModules: BUNDLE.externalModules,
  esbuildArgs: { "--alias:zod": ZOD_ALIAS, "--alias:@aws-sdk/credential-provider-node": CREDENTIALS_ALIAS },
  forceDockerBundling: false,
  logLevel: LogLevel.WARNING,
};

/** The same build as esbuild API options (what NodejsFunction runs on its command line). */
export function esbuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: BUNDLE.target,
    format: BUNDLE.format,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourceMap,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    external: BUNDLE.externalModules,
    alias: { zod: ZOD_ALIAS, "@aws-sdk/credential-provider-node": CREDENTIALS_ALIAS },
    outfile: resolve(outdir, "index.mjs"),
    logLevel: "warning",
    absWorkingDir: PROJECT_ROOT,
  };
}
