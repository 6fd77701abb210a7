import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/build-app.ts";
import { ScopedSecretsHttpApi } from "../../infra/http-api.ts";
import { ACCESS_LOG_FORMAT, ACCESS_LOG_PATTERN } from "../../infra/log-settings.ts";
import { OUTPUTS } from "../../infra/names.ts";
import type { ScopedSecretsStack } from "../../infra/scoped-secrets-stack.ts";
import { SETTING_DEFAULTS } from "../../infra/settings.ts";
import { describeRoutes } from "../../lambdas/api/route-table.ts";
import { KEYRING_APP } from "../../lambdas/crypto/encryption-context.ts";
import { TELEMETRY } from "../../lambdas/handlers/telemetry.ts";
import { createTableInput } from "../../lambdas/store/table.ts";

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Cfn = any;

type Resource = { Type: string; Properties: Cfn; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Cfn; Effect: string };

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const BUCKET_DEPLOYMENT = /^CustomCDKBucketDeployment/;

/**
 * The synthesized stack (one synth, real esbuild bundling of every function), checked against DESIGN §6.
 */
describe("ScopedSecretsStack template", () => {
  let dir: string;
  let stack: ScopedSecretsStack;
  let template: Template;
  let resources: Record<string, Resource>;
  let outdir: string;

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
  /** Statements of the inline policy attached to a function's role. */
  const statementsOf = (fn: { role?: { node: { defaultChild?: unknown } } | undefined }): Statement[] => {
    const roleId = fn.role ? logicalId(fn.role) : "";
    return ofType("AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ss-infra-"));
    const web = join(dir, "web-dist");
    mkdirSync(web);
    writeFileSync(join(web, "index.html"), "<!doctype html><title>scoped-secrets</title>");
    outdir = join(dir, "cdk.out");
    ({ stack } = buildApp({ outdir, webDistDir: web, nag: false }));
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("logs cheaply: JSON function logs without platform lines, the access log in an Infrequent Access group", () => {
    const functions = ofType("AWS::Lambda::Function").filter(([id]) => !BUCKET_DEPLOYMENT.test(id));
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const [id, fn] of functions)
      expect(fn.Properties.LoggingConfig, id).toMatchObject({ LogFormat: "JSON", SystemLogLevel: "WARN" });
    const accessLogGroups = ofType("AWS::Logs::LogGroup").filter(([id]) => /AccessLogs/.test(id));
    expect(accessLogGroups).toHaveLength(1);
    expect(accessLogGroups[0]?.[1].Properties.LogGroupClass).toBe("INFREQUENT_ACCESS");
  });

  it("keeps its KMS key: rotation on, an alias, retained on delete", () => {
    const [[keyId, key] = []] = ofType("AWS::KMS::Key");
    expect(key).toMatchObject({
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
    template.hasResourceProperties("AWS::KMS::Alias", {
      AliasName: `alias/scoped-secrets/${stack.stackName}`,
      TargetKeyId: { "Fn::GetAtt": [keyId, "Arn"] },
    });
  });

  it("builds the table from createTableInput: on-demand, PITR, deletion protection, TTL, retained", () => {
    const tables = ofType("AWS::DynamoDB::Table");
    expect(tables).toHaveLength(1);
    const [, table] = tables[0] as [string, Resource];
    const expected = createTableInput("x");
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.UpdateReplacePolicy).toBe("Retain");
    expect(table.Properties).toMatchObject({
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
      KeySchema: expected.KeySchema,
    });
    const sortByName = <T extends { AttributeName?: string; IndexName?: string }>(xs: T[]) =>
      [...xs].sort((a, b) =>
        String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)),
      );
    expect(sortByName(table.Properties.AttributeDefinitions)).toEqual(
      sortByName(expected.AttributeDefinitions ?? []),
    );
    expect(sortByName(table.Properties.GlobalSecondaryIndexes)).toEqual(
      sortByName(expected.GlobalSecondaryIndexes ?? []).map((g) => ({
        IndexName: g.IndexName,
        KeySchema: g.KeySchema,
        Projection: g.Projection,
      })),
    );
    expect(
      table.Properties.GlobalSecondaryIndexes.map((g: Cfn) => [g.IndexName, g.Projection.ProjectionType]),
    ).toEqual(
      expect.arrayContaining([
        ["byId", "KEYS_ONLY"],
        ["byKind", "ALL"],
      ]),
    );
  });

  it("runs every function on arm64, and every function of ours on Node.js 24, bundled by esbuild", () => {
    const fns = ofType("AWS::Lambda::Function");
    for (const [id, fn] of fns) {
      expect(fn.Properties.Architectures, id).toEqual(["arm64"]);
      // The one exception is CDK's own BucketDeployment handler, a Python function CDK provides.
      if (!BUCKET_DEPLOYMENT.test(id)) expect(fn.Properties.Runtime, id).toBe("nodejs24.x");
    }
    const ours = [stack.functions.reader, stack.functions.writer, stack.functions.authorizer];
    expect(
      fns
        .filter(([id]) => !BUCKET_DEPLOYMENT.test(id))
        .map(([id]) => id)
        .sort(),
    ).toEqual(ours.map((f) => logicalId(f)).sort());
    for (const fn of ours) {
      const props = resources[logicalId(fn)]?.Properties;
      expect(props.Handler).toBe("index.handler");
      expect(props.Environment.Variables.TABLE_NAME).toEqual({ Ref: logicalId(stack.storage.table) });
      // The bundle NodejsFunction produced: a minified ESM file with its source map.
      const asset = join(outdir, `asset.${props.Code.S3Key.replace(/\.zip$/, "")}`);
      expect(existsSync(join(asset, "index.mjs.map")), asset).toBe(true);
      expect(statSync(join(asset, "index.mjs")).size).toBeGreaterThan(100_000);
      // zod is bundled without its translated error messages (infra/zod-without-locales.mjs).
      const code = readFileSync(join(asset, "index.mjs"), "utf8");
      expect(code).not.toContain("Ungültige Eingabe");
      // Credentials come from the environment only (infra/lambda-credentials.mjs): no metadata or SSO
      // clients, and no static import of node:http, whose ESM facade loads undici on every cold start.
      expect(code).not.toMatch(/import[^;]{0,80}from"node:http"/);
      expect(code).not.toContain("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }
    // zod (a third of the whole app's bundle, most of its cold start) is in the writer's bundle only: the
    // reader serves every GET route without it (handlers/reader.ts), the authorizer never needed it.
    const bundleOf = (fn: (typeof ours)[number]) => {
      const key = resources[logicalId(fn)]?.Properties.Code.S3Key.replace(/\.zip$/, "");
      return readFileSync(join(outdir, `asset.${key}`, "index.mjs"), "utf8");
    };
    expect(bundleOf(stack.functions.writer)).toContain('"ZodError"');
    expect(bundleOf(stack.functions.reader)).not.toContain('"ZodError"');
    expect(bundleOf(stack.functions.authorizer)).not.toContain('"ZodError"');
    expect(resources[logicalId(stack.functions.reader)]?.Properties.Environment.Variables.KEY_ARN).toEqual({
      "Fn::GetAtt": [logicalId(stack.storage.key), "Arn"],
    });
    expect(
      resources[logicalId(stack.functions.authorizer)]?.Properties.Environment.Variables.KEY_ARN,
    ).toBeUndefined();
  });

  it("has exactly the app's routes, each behind the authorizer but health and the OpenAPI document", () => {
    const routes = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties);
    const expected = describeRoutes();
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(expected.map((r) => `${r.method} ${r.path}`).sort());
    const [[authorizerId] = []] = ofType("AWS::ApiGatewayV2::Authorizer");
    const open = routes.filter((r) => r.AuthorizationType === "NONE").map((r) => r.RouteKey);
    expect(open.sort()).toEqual(["GET /v1/health", "GET /v1/openapi.json", "POST /v1/auth/aws"]);
    for (const r of routes.filter((x) => x.AuthorizationType !== "NONE")) {
      expect(r.AuthorizationType, r.RouteKey).toBe("CUSTOM");
      expect(r.AuthorizerId, r.RouteKey).toEqual({ Ref: authorizerId });
    }
    // GET routes go to the reader (kms:Decrypt only), every other method to the writer.
    const integrationFn = Object.fromEntries(
      ofType("AWS::ApiGatewayV2::Integration").map(([id, i]) => [
        id,
        i.Properties.IntegrationUri["Fn::GetAtt"][0],
      ]),
    );
    for (const r of routes) {
      const target = r.Target["Fn::Join"][1][1].Ref as string;
      const fn = r.RouteKey.startsWith("GET ") ? stack.functions.reader : stack.functions.writer;
      expect(integrationFn[target], r.RouteKey).toBe(logicalId(fn));
    }
  });

  it("configures the authorizer: payload 2.0, simple responses, Authorization header, cached at most 60 s", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "REQUEST",
      AuthorizerPayloadFormatVersion: "2.0",
      EnableSimpleResponses: true,
      IdentitySource: ["$request.header.Authorization"],
      AuthorizerResultTtlInSeconds: SETTING_DEFAULTS.authorizerCacheSeconds,
      AuthorizerUri: Match.anyValue(),
    });
    expect(SETTING_DEFAULTS.authorizerCacheSeconds).toBeLessThanOrEqual(60);
  });

  it("throttles the stage and writes the documented access-log line with a retention and a saved query", () => {
    const [[, stage] = []] = ofType("AWS::ApiGatewayV2::Stage");
    expect(stage?.Properties).toMatchObject({
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: SETTING_DEFAULTS.throttleRateLimit,
        ThrottlingBurstLimit: SETTING_DEFAULTS.throttleBurstLimit,
      },
    });
    const format: string = stage?.Properties.AccessLogSettings.Format;
    expect(format).toBe(ACCESS_LOG_FORMAT);
    expect(format).toMatch(/^\$context\.requestId .*"\$context\.routeKey" \$context\.status /);
    expect(format).not.toMatch(/\$context\.path|querystring|header/i);
    const logGroupId = stage?.Properties.AccessLogSettings.DestinationArn["Fn::GetAtt"][0];
    // Logs Insights cannot discover a space-separated line's fields: the stack saves a query that names them.
    const [[, query] = []] = ofType("AWS::Logs::QueryDefinition");
    expect(query?.Properties).toMatchObject({
      Name: ScopedSecretsHttpApi.accessLogQueryName(stack.stackName),
      LogGroupNames: [{ Ref: logGroupId }],
    });
    expect(query?.Properties.QueryString).toContain(`parse @message /${ACCESS_LOG_PATTERN}/`);
    expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(SETTING_DEFAULTS.logRetentionDays);
    for (const [id, group] of ofType("AWS::Logs::LogGroup"))
      expect(group.Properties.RetentionInDays, id).toBe(SETTING_DEFAULTS.logRetentionDays);
  });

  it("grants least privilege: no wildcard actions, KMS only under the encryption context, tokens only to the authorizer", () => {
    for (const [id, policy] of ofType("AWS::IAM::Policy")) {
      if (BUCKET_DEPLOYMENT.test(id)) continue; // CDK's deployment handler, acknowledged in infra/admin-ui.ts
      for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const a of actions(s)) expect(a, id).not.toContain("*");
        expect(JSON.stringify(s.Resource), id).not.toBe('"*"');
        if (actions(s).some((a) => a.startsWith("kms:")))
          expect(s.Condition, id).toEqual({ StringEquals: { "kms:EncryptionContext:app": KEYRING_APP } });
      }
    }
    const reader = statementsOf(stack.functions.reader);
    const writer = statementsOf(stack.functions.writer);
    const authorizer = statementsOf(stack.functions.authorizer);
    const kmsActions = (ss: Statement[]) =>
      ss
        .flatMap(actions)
        .filter((a) => a.startsWith("kms:"))
        .sort();
    expect(kmsActions(reader)).toEqual(["kms:Decrypt"]);
    expect(kmsActions(writer)).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(kmsActions(authorizer)).toEqual([]);

    // The reader writes audit events only; the authorizer touches TOKEN# items only.
    const writes = reader.filter((s) => actions(s).some((a) => /dynamodb:(Put|Update|Delete)/.test(a)));
    expect(writes).toEqual([
      expect.objectContaining({
        Action: "dynamodb:PutItem",
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["AUDIT#*"] } },
      }),
    ]);
    // (test/infra/policies.test.ts checks the UpdateItem's attribute limit.)
    const tableStatements = authorizer.filter((s) => actions(s).some((a) => a.startsWith("dynamodb:")));
    expect(tableStatements.flatMap(actions).sort()).toEqual(["dynamodb:GetItem", "dynamodb:UpdateItem"]);
    for (const s of tableStatements)
      expect(s).toMatchObject({
        Resource: { "Fn::GetAtt": [logicalId(stack.storage.table), "Arn"] },
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["TOKEN#*"] } },
      });
    // Every function role has no managed policy (in particular no AWSLambdaBasicExecutionRole).
    for (const fn of [stack.functions.reader, stack.functions.writer, stack.functions.authorizer])
      expect(resources[logicalId(fn.role as never)]?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("serves the admin UI from a private bucket through CloudFront with origin access control", () => {
    const ui = stack.ui;
    if (!ui) throw new Error("the UI is on by default");
    template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
          }),
        ]),
      },
    });
    const [[oacId] = []] = ofType("AWS::CloudFront::OriginAccessControl");
    template.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: { OriginAccessControlOriginType: "s3", SigningBehavior: "always" },
    });
    template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: "index.html",
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: "redirect-to-https" }),
        Origins: [Match.objectLike({ OriginAccessControlId: { "Fn::GetAtt": [oacId, "Id"] } })],
      }),
    });
    // The UI build and config.json {apiUrl} are deployed; the API allows the UI's origin only.
    const [[, deployment] = []] = ofType("Custom::CDKBucketDeployment");
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(2);
    expect(JSON.stringify(deployment?.Properties.SourceMarkers)).toContain("ApiEndpoint");
    const [[, api] = []] = ofType("AWS::ApiGatewayV2::Api");
    expect(api?.Properties.CorsConfiguration.AllowOrigins).toEqual([
      { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [logicalId(ui.distribution), "DomainName"] }]] },
    ]);
  });

  it("gives operators a dashboard and alarms", () => {
    const [[, dashboard] = []] = ofType("AWS::CloudWatch::Dashboard");
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const text of [
      "AuthorizerDenials",
      "DataKeyCacheHits",
      "KeyringDecrypt",
      "KeyringGenerateDataKey",
      "p99",
      "p50",
      "5xx",
      "4xx",
    ])
      expect(body).toContain(text);
    const alarms = ofType("AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    expect(alarms.some((a) => JSON.stringify(a.Metrics ?? "").includes("5xx"))).toBe(true);
    for (const metric of ["Errors", "Throttles"])
      expect(alarms.filter((a) => a.MetricName === metric && a.Namespace === "AWS/Lambda")).toHaveLength(3);
    // A change event that never reached the bus: the write stood, subscribers missed it.
    expect(body).toContain(TELEMETRY.metrics.changeEventFailures);
    const changeEvents = alarms.filter((a) =>
      JSON.stringify(a.Metrics ?? "").includes(`"MetricName":"${TELEMETRY.metrics.changeEventFailures}"`),
    );
    expect(changeEvents).toHaveLength(1);
    expect(changeEvents[0]).toMatchObject({
      Threshold: 0,
      EvaluationPeriods: 1,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
      Metrics: [
        {
          MetricStat: {
            Metric: {
              Namespace: TELEMETRY.namespace,
              MetricName: TELEMETRY.metrics.changeEventFailures,
              // The dimension Powertools adds to every metric (serviceName); without it the alarm sees nothing.
              Dimensions: [{ Name: "service", Value: TELEMETRY.service }],
            },
            Period: 60,
            Stat: "Sum",
          },
        },
      ],
    });
  });

  it("outputs ApiUrl, UiUrl, TableName, KeyArn, the event bus and the alarm topic", () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(Object.values(OUTPUTS).sort());
    expect(outputs[OUTPUTS.apiUrl].Value).toEqual({
      "Fn::GetAtt": [logicalId(stack.http.api), "ApiEndpoint"],
    });
    expect(outputs[OUTPUTS.tableName].Value).toEqual({ Ref: logicalId(stack.storage.table) });
    expect(outputs[OUTPUTS.keyArn].Value).toEqual({ "Fn::GetAtt": [logicalId(stack.storage.key), "Arn"] });
  });
});
