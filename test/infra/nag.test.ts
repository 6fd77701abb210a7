import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/build-app.ts";

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: Array<{ constructPath: string }>;
  reason?: string;
  acknowledgedAt?: string;
}
interface Report {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: Violation[];
    suppressedViolations?: Violation[];
  }>;
}

// Bundling does not change what cdk-nag sees; skipping it keeps these synths to a second each.
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };

/** Synthesizes and returns cdk-nag's (CDK policy validation) report and whether synth failed. */
function synthWithReport(app: App, outdir: string): { report: Report | undefined; failed: unknown } {
  let failed: unknown;
  try {
    app.synth();
  } catch (e) {
    failed = e;
  }
  const path = join(outdir, "validation-report.json");
  return { report: existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined, failed };
}

const errorsOf = (report: Report | undefined) =>
  (report?.pluginReports ?? []).flatMap((p) =>
    p.violations
      .filter((v) => v.severity === "error")
      .flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)),
  );

describe("cdk-nag AwsSolutions", () => {
  let dir: string;
  let web: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ss-nag-"));
    web = join(dir, "web");
    mkdirSync(web);
    writeFileSync(join(web, "index.html"), "<!doctype html>");
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports no unacknowledged error, and acknowledges nothing of the service's own data path", () => {
    const outdir = join(dir, "full");
    const { app } = buildApp({ outdir, webDistDir: web, context: NO_BUNDLING });
    const { report, failed } = synthWithReport(app, outdir);
    expect(errorsOf(report)).toEqual([]);
    expect(failed).toBeUndefined();
    const plugin = report?.pluginReports.find((p) => p.pluginName === "AwsSolutions");
    expect(plugin?.conclusion).toBe("success");
    const suppressed = plugin?.suppressedViolations ?? [];
    expect(suppressed.length).toBeGreaterThan(0);
    for (const v of suppressed) expect(v.reason?.length, v.ruleName).toBeGreaterThan(20);
    // Acknowledged: the public routes, the UI's bucket and CDN, CDK's deployment handler. Never the
    // functions, their roles, the table or the key.
    const allowed = [
      /^ScopedSecrets\/Http\/Api\/GET--v1--(health|openapi\.json)$/,
      // The AWS login authenticates its callers itself (a signed sts:GetCallerIdentity), throttled per route.
      /^ScopedSecrets\/Http\/Api\/POST--v1--auth--aws$/,
      /^ScopedSecrets\/AdminUi\/(Bucket|Cdn)$/,
      /^ScopedSecrets\/Custom::CDKBucketDeployment[0-9A-F]+/,
    ];
    for (const v of suppressed)
      expect(
        allowed.some((re) => re.test(v.acknowledgedAt ?? "")),
        `${v.ruleName} at ${v.acknowledgedAt}`,
      ).toBe(true);
    expect(suppressed.filter((v) => v.ruleName === "AwsSolutions-APIG4")).toHaveLength(3);
  });

  it("is clean without the admin UI too", () => {
    const outdir = join(dir, "no-ui");
    const { app } = buildApp({ outdir, context: { ...NO_BUNDLING, ui: false } });
    const { report, failed } = synthWithReport(app, outdir);
    expect(errorsOf(report)).toEqual([]);
    expect(failed).toBeUndefined();
  });

  it("would fail the synth on an unacknowledged finding (the harness can see errors)", () => {
    const outdir = join(dir, "control");
    const app = new App({ outdir });
    const stack = new Stack(app, "Control");
    new s3.Bucket(stack, "Plain");
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const { report, failed } = synthWithReport(app, outdir);
    expect(failed).toBeInstanceOf(Error);
    expect(errorsOf(report)).toEqual(
      expect.arrayContaining([
        "AwsSolutions-S1 at Control/Plain/Resource",
        "AwsSolutions-S10 at Control/Plain/Resource",
      ]),
    );
  });
});
