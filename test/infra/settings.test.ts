import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/build-app.ts";
import { OUTPUTS } from "../../infra/names.ts";

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Cfn = any;

const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };

/** Deployment settings from CDK context (`-c key=value`), without bundling: these synths check settings only. */
describe("stack settings", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ss-settings-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("takes the stack name, throttling, retention and cache TTL from context, and can leave the UI out", () => {
    const { stack } = buildApp({
      outdir: join(dir, "a"),
      nag: false,
      context: {
        ...NO_BUNDLING,
        stackName: "SecretsStaging",
        throttleRateLimit: "25",
        throttleBurstLimit: 50,
        logRetentionDays: 7,
        authorizerCacheSeconds: 0,
        ui: "false",
      },
    });
    expect(stack.stackName).toBe("SecretsStaging");
    const template = Template.fromStack(stack);
    const json = template.toJSON();
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", { AuthorizerResultTtlInSeconds: 0 });
    template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 7 });
    template.resourceCountIs("AWS::CloudFront::Distribution", 0);
    template.resourceCountIs("AWS::S3::Bucket", 0);
    expect(Object.keys(json.Outputs).sort()).toEqual(
      [OUTPUTS.apiUrl, OUTPUTS.keyArn, OUTPUTS.tableName, OUTPUTS.serverId].sort(),
    );
    // No UI, no browser origin to allow.
    const [api] = Object.values(json.Resources as Record<string, Cfn>).filter(
      (r) => r.Type === "AWS::ApiGatewayV2::Api",
    );
    expect(api.Properties.CorsConfiguration).toBeUndefined();
  });

  it("deploys only config.json, with a warning, when web/dist has not been built", () => {
    const { app, stack } = buildApp({
      outdir: join(dir, "b"),
      nag: false,
      webDistDir: join(dir, "missing-dist"),
      context: NO_BUNDLING,
    });
    const template = Template.fromStack(stack);
    const [deployment] = Object.values(template.toJSON().Resources as Record<string, Cfn>).filter(
      (r) => r.Type === "Custom::CDKBucketDeployment",
    );
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(1);
    const warnings = app
      .synth()
      .getStackByName(stack.stackName)
      .messages.map((m) => String(m.entry.data));
    expect(warnings.some((w) => w.includes("npm run build:web"))).toBe(true);
  });

  it.each([
    [{ authorizerCacheSeconds: 61 }, /authorizerCacheSeconds=61 is invalid/],
    [{ logRetentionDays: 8 }, /logRetentionDays=8 is invalid/],
    [{ throttleBurstLimit: "lots" }, /throttleBurstLimit=lots is invalid/],
    [{ stackName: "1bad name" }, /stackName=1bad name is invalid/],
  ])("rejects a bad setting %o", (context, message) => {
    expect(() =>
      buildApp({ outdir: join(dir, "c"), nag: false, context: { ...NO_BUNDLING, ...context } }),
    ).toThrow(message);
  });
});
