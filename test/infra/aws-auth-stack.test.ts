import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/build-app.ts";
import { OUTPUTS } from "../../infra/names.ts";

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Cfn = any;

/** The AWS login in the stack: an open route with its own throttle, and SERVER_ID on the API functions. */
describe("AWS login in the stack", () => {
  let dir: string;
  const synth = (context: Record<string, unknown> = {}) => {
    const web = join(dir, "web-dist");
    mkdirSync(web, { recursive: true });
    writeFileSync(join(web, "index.html"), "<!doctype html>");
    // Bundling is skipped: this checks wiring, test/infra/stack.test.ts builds the real bundles.
    const { stack } = buildApp({
      outdir: mkdtempSync(join(dir, "out-")),
      webDistDir: web,
      nag: false,
      context: { "aws:cdk:bundling-stacks": [], ...context },
    });
    return { stack, template: Template.fromStack(stack).toJSON() as Cfn };
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ss-infra-aws-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("routes POST /v1/auth/aws without the authorizer, throttled on its own", () => {
    const { template } = synth();
    const routes = Object.values(template.Resources as Record<string, Cfn>).filter(
      (r) => r.Type === "AWS::ApiGatewayV2::Route",
    );
    const login = routes.find((r) => r.Properties.RouteKey === "POST /v1/auth/aws");
    expect(login).toBeDefined();
    expect(login.Properties.AuthorizationType).toBe("NONE");
    expect(login.Properties.AuthorizerId).toBeUndefined();
    // Binding management stays behind the authorizer.
    for (const key of [
      "POST /v1/aws-identities",
      "GET /v1/aws-identities",
      "DELETE /v1/aws-identities/{awsIdentityId}",
    ])
      expect(routes.find((r) => r.Properties.RouteKey === key)?.Properties.AuthorizationType, key).toBe(
        "CUSTOM",
      );
    const stages = Object.entries(template.Resources as Record<string, Cfn>).filter(
      ([, r]) => r.Type === "AWS::ApiGatewayV2::Stage",
    );
    expect(stages).toHaveLength(1);
    const [, stage] = stages[0] as [string, Cfn];
    expect(stage.Properties.RouteSettings).toEqual({
      "POST /v1/auth/aws": { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
    const loginId = Object.entries(template.Resources as Record<string, Cfn>).find(
      ([, r]) => r === login,
    )?.[0];
    expect(stage.DependsOn).toContain(loginId);
  });

  it("gives the API functions a SERVER_ID derived from the stack, also as an output; -c serverId overrides it", () => {
    const { template } = synth();
    const apiFunctions = Object.values(template.Resources as Record<string, Cfn>).filter(
      (r) => r.Type === "AWS::Lambda::Function" && r.Properties.Environment?.Variables?.KEY_ARN,
    );
    expect(apiFunctions).toHaveLength(2);
    for (const fn of apiFunctions) {
      const id = fn.Properties.Environment.Variables.SERVER_ID;
      expect(JSON.stringify(id)).toMatch(/scoped-secrets:.*AWS::AccountId.*AWS::Region/);
    }
    expect(JSON.stringify(template.Outputs[OUTPUTS.serverId].Value)).toContain("AWS::AccountId");
    const custom = synth({ serverId: "prod-eu", loginThrottleRateLimit: 2 }).template;
    const fn = Object.values(custom.Resources as Record<string, Cfn>).find(
      (r) => r.Type === "AWS::Lambda::Function" && r.Properties.Environment?.Variables?.KEY_ARN,
    );
    expect(fn.Properties.Environment.Variables.SERVER_ID).toBe("prod-eu");
    expect(custom.Outputs[OUTPUTS.serverId].Value).toBe("prod-eu");
    expect(() => synth({ serverId: "has space" })).toThrow(/serverId/);
  });
});
