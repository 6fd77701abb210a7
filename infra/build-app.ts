import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { describeRoutes } from "../lambdas/api/route-table.ts";
import { ScopedSecretsStack } from "./scoped-secrets-stack.ts";
import { readSettings } from "./settings.ts";

export interface BuildAppOptions {
  /** Cloud assembly directory (tests use a temporary one). */
  outdir?: string;
  context?: Record<string, unknown>;
  webDistDir?: string;
  /** Run cdk-nag's AwsSolutions checks at synth; default true. */
  nag?: boolean;
}

/** The CDK app: one stack, checked by cdk-nag. `infra/app.ts` runs it for the CDK CLI; tests call it directly. */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: ScopedSecretsStack } {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  const { stackName, ...settings } = readSettings(app.node);
  const stack = new ScopedSecretsStack(app, stackName, {
    ...settings,
    routes: describeRoutes(),
    ...(options.webDistDir ? { webDistDir: options.webDistDir } : {}),
  });
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
