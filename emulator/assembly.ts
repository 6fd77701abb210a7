import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../infra/bundling.ts";
import { type Cfn, ofType, type Template } from "./template.ts";

/** One Lambda function as the template declares it, with the bundle directory `cdk deploy` would zip and upload. */
export interface FunctionSpec {
  logicalId: string;
  /** The bundle: the asset directory of the cloud assembly (what `cdk deploy` zips). */
  codeDir: string;
  /** "index.handler": file and export, as Lambda reads it. */
  handler: string;
  runtime: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Environment.Variables, intrinsics unresolved (the resources they name are emulated later). */
  environment: Record<string, Cfn>;
  logFormat: string | undefined;
  applicationLogLevel: string | undefined;
}

export interface Assembly {
  /** The cloud assembly directory (cdk.out). */
  dir: string;
  stackName: string;
  template: Template;
  /** Every Node.js function of the stack, by logical id (CDK's own custom-resource functions left out). */
  functions: Record<string, FunctionSpec>;
}

export interface SynthOptions {
  /** Where to write the cloud assembly. */
  outdir: string;
  /** Context values on top of cdk.json's, as `cdk deploy -c key=value` would give. */
  context?: Record<string, unknown>;
}

/**
 * Synthesizes the CDK app exactly as `cdk synth`/`cdk deploy` do (infra/build-app.ts, the same NodejsFunction
 * bundling with esbuild), into `outdir`, and reads back the template and the bundles it references.
 */
export async function synthesize(options: SynthOptions): Promise<Assembly> {
  const { buildApp } = await import("../infra/build-app.ts");
  const context = { ...cdkJsonContext(), ...(options.context ?? {}) };
  // cdk-nag only reports; the template it checks is the same. Leaving it out saves seconds per start.
  const { app, stack } = buildApp({ outdir: resolve(options.outdir), context, nag: false });
  app.synth();
  return readAssembly(resolve(options.outdir), stack.stackName);
}

/** Reads a synthesized cloud assembly: the stack's template and each function's bundle directory. */
export function readAssembly(dir: string, stackName: string): Assembly {
  const template = JSON.parse(readFileSync(join(dir, `${stackName}.template.json`), "utf8")) as Template;
  const assets = JSON.parse(readFileSync(join(dir, `${stackName}.assets.json`), "utf8")) as {
    files: Record<string, { source: { path: string; packaging?: string } }>;
  };
  const functions: Record<string, FunctionSpec> = {};
  for (const [logicalId, r] of ofType(template, "AWS::Lambda::Function")) {
    const p = r.Properties ?? {};
    if (!String(p.Runtime ?? "").startsWith("nodejs")) continue;
    const hash = String(p.Code?.S3Key ?? "").replace(/\.zip$/, "");
    const source = assets.files[hash]?.source;
    if (!source || (source.packaging ?? "zip") !== "zip")
      throw new Error(`function ${logicalId}: its code asset ${hash} is not a directory asset of ${dir}`);
    const codeDir = join(dir, source.path);
    if (!existsSync(codeDir)) throw new Error(`function ${logicalId}: bundle ${codeDir} is missing`);
    functions[logicalId] = {
      logicalId,
      codeDir,
      handler: String(p.Handler ?? "index.handler"),
      runtime: String(p.Runtime),
      // Lambda's defaults when a property is absent: 128 MB, 3 s.
      memoryMb: Number(p.MemorySize ?? 128),
      timeoutSeconds: Number(p.Timeout ?? 3),
      environment: p.Environment?.Variables ?? {},
      logFormat: p.LoggingConfig?.LogFormat,
      applicationLogLevel: p.LoggingConfig?.ApplicationLogLevel,
    };
  }
  return { dir, stackName, template, functions };
}

/** cdk.json's "context" (what `cdk deploy` reads too), if any. */
function cdkJsonContext(): Record<string, unknown> {
  const file = join(PROJECT_ROOT, "cdk.json");
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, "utf8")) as { context?: Record<string, unknown> }).context ?? {};
}
