import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OpenAPIHono } from "@hono/zod-openapi";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uiContentSecurityPolicy } from "../../infra/admin-ui.ts";
import { buildApp } from "../../infra/build-app.ts";
import { AUTHORIZER_UPDATE_ATTRIBUTES } from "../../infra/functions.ts";
import { ScopedSecretsHttpApi } from "../../infra/http-api.ts";
import { CHANGE_EVENTS, OUTPUTS } from "../../infra/names.ts";
import type { ScopedSecretsStack } from "../../infra/scoped-secrets-stack.ts";
import { KEY_ADMIN_ACTIONS } from "../../infra/storage.ts";
import type { App } from "../../lambdas/api/context.ts";
import { KEYRING_APP } from "../../lambdas/crypto/encryption-context.ts";
import { createDynamoStore } from "../../lambdas/store/dynamo-store.ts";
import { serveStatic } from "../../local/static.ts";

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Cfn = any;
type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: Cfn;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const actionsOf = (s: Statement) => list(s.Action);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The stack's resource and IAM policies, read from the synthesized template (no bundling): the KMS key
 * policy, the authorizer's token write, the change-event bus, the alarm topic, access logs, the UI's headers.
 */
describe("stack policies (issue 12, 13, 14)", () => {
  let dir: string;
  let stack: ScopedSecretsStack;
  let template: Template;
  let resources: Record<string, { Type: string; Properties: Cfn }>;

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
  const roleArn = (fn: { role?: unknown }) => ({
    "Fn::GetAtt": [logicalId(fn.role as { node: { defaultChild?: unknown } }), "Arn"],
  });
  const statementsOf = (fn: { role?: unknown }): Statement[] => {
    const roleId = logicalId(fn.role as { node: { defaultChild?: unknown } });
    return ofType("AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };
  const fns = () => ({
    reader: stack.functions.reader,
    writer: stack.functions.writer,
    authorizer: stack.functions.authorizer,
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ss-policies-"));
    const web = join(dir, "web");
    mkdirSync(web);
    writeFileSync(join(web, "index.html"), "<!doctype html>");
    ({ stack } = buildApp({ outdir: join(dir, "out"), webDistDir: web, nag: false, context: NO_BUNDLING }));
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("has no dependency cycle CloudFormation would refuse (key policy ↔ roles, CORS ↔ CDN headers)", () => {
    const deps = (value: unknown, out = new Set<string>()): Set<string> => {
      if (Array.isArray(value)) for (const v of value) deps(v, out);
      else if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (typeof o.Ref === "string") out.add(o.Ref);
        const getAtt = o["Fn::GetAtt"];
        if (Array.isArray(getAtt) && typeof getAtt[0] === "string") out.add(getAtt[0]);
        for (const v of Object.values(o)) deps(v, out);
      }
      return out;
    };
    const all = template.toJSON().Resources as Record<string, { Properties?: unknown; DependsOn?: unknown }>;
    const edges = new Map(
      Object.entries(all).map(([id, r]) => [
        id,
        [...deps(r.Properties), ...list(r.DependsOn as string | string[] | undefined)].filter(
          (d) => d in all,
        ),
      ]),
    );
    const state = new Map<string, "visiting" | "done">();
    const visit = (id: string, path: string[]): void => {
      if (state.get(id) === "done") return;
      if (state.get(id) === "visiting") throw new Error(`cycle: ${[...path, id].join(" → ")}`);
      state.set(id, "visiting");
      for (const d of edges.get(id) ?? []) visit(d, [...path, id]);
      state.set(id, "done");
    };
    for (const id of edges.keys()) visit(id, []);
  });

  describe("KMS key policy", () => {
    const keyPolicy = (): Statement[] =>
      resources[logicalId(stack.storage.key)]?.Properties.KeyPolicy.Statement as Statement[];

    /**
     * A small evaluator of this key policy (Allow statements; StringEquals and ArnEquals conditions): may a
     * principal of this account (by role ARN) call `action` with `context`? The account root stands for
     * "any principal of the account whose IAM policy allows it".
     */
    const allows = (principalArn: unknown, action: string, context: Record<string, string>) =>
      keyPolicy().some((s) => {
        if (s.Effect !== "Allow" || !actionsOf(s).includes(action)) return false;
        const values: Record<string, unknown> = {
          "aws:PrincipalArn": principalArn,
          ...Object.fromEntries(Object.entries(context).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
        };
        return Object.entries(s.Condition ?? {}).every(([op, kv]) => {
          if (op !== "StringEquals" && op !== "ArnEquals") throw new Error(`evaluator lacks ${op}`);
          return Object.entries(kv).every(([k, want]) => same(values[k], want));
        });
      });

    it("gives the account key administration only: no use of the key, no grants, no wildcards", () => {
      const [admin, ...rest] = keyPolicy();
      expect(admin?.Principal).toEqual({
        AWS: {
          "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::", { Ref: "AWS::AccountId" }, ":root"]],
        },
      });
      expect(actionsOf(admin as Statement).sort()).toEqual([...KEY_ADMIN_ACTIONS].sort());
      for (const a of KEY_ADMIN_ACTIONS)
        expect(a).not.toMatch(/\*|Decrypt|Encrypt|GenerateDataKey|CreateGrant/);
      for (const s of keyPolicy()) {
        for (const a of actionsOf(s)) expect(a, s.Sid).not.toContain("*");
        expect(s.Effect).toBe("Allow");
      }
      // Every other statement is key use by one function role, under the encryption context.
      for (const s of rest)
        expect(s.Condition, s.Sid).toEqual({
          StringEquals: { "kms:EncryptionContext:app": KEYRING_APP },
          ArnEquals: { "aws:PrincipalArn": expect.anything() },
        });
    });

    it("lets the reader Decrypt and the writer GenerateDataKey/Decrypt, under the encryption context only", () => {
      const { reader, writer, authorizer } = fns();
      const ctx = { app: KEYRING_APP };
      expect(allows(roleArn(reader), "kms:Decrypt", ctx)).toBe(true);
      expect(allows(roleArn(reader), "kms:GenerateDataKey", ctx)).toBe(false);
      expect(allows(roleArn(writer), "kms:GenerateDataKey", ctx)).toBe(true);
      expect(allows(roleArn(writer), "kms:Decrypt", ctx)).toBe(true);
      expect(allows(roleArn(authorizer), "kms:Decrypt", ctx)).toBe(false);
      // Another context (another application's data keys) is refused even to the functions.
      expect(allows(roleArn(reader), "kms:Decrypt", { app: "other" })).toBe(false);
      // An account administrator (any other role, however broad its IAM policy) cannot decrypt a data key
      // from a table export or backup.
      const admin = "arn:aws:iam::123456789012:role/Administrator";
      for (const action of ["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"])
        expect(allows(admin, action, ctx), action).toBe(false);
      expect(allows(admin, "kms:ScheduleKeyDeletion", {})).toBe(true);
    });

    it("matches the functions' IAM policies (both must allow)", () => {
      const kms = (fn: { role?: unknown }) =>
        statementsOf(fn)
          .flatMap(actionsOf)
          .filter((a) => a.startsWith("kms:"))
          .sort();
      const { reader, writer, authorizer } = fns();
      const fromKeyPolicy = (fn: { role?: unknown }) =>
        keyPolicy()
          .filter((s) => same(s.Condition?.ArnEquals?.["aws:PrincipalArn"], roleArn(fn)))
          .flatMap(actionsOf)
          .sort();
      for (const fn of [reader, writer, authorizer]) expect(fromKeyPolicy(fn)).toEqual(kms(fn));
    });
  });

  describe("authorizer: token items, lastUsedAt only", () => {
    it("may UpdateItem TOKEN# items naming only the key and lastUsedAt, returning nothing", () => {
      const table = { "Fn::GetAtt": [logicalId(stack.storage.table), "Arn"] };
      const tokenItems = { "dynamodb:LeadingKeys": ["TOKEN#*"] };
      expect(
        statementsOf(stack.functions.authorizer).filter((s) => actionsOf(s)[0]?.startsWith("dynamodb:")),
      ).toEqual([
        {
          Effect: "Allow",
          Action: "dynamodb:GetItem",
          Resource: table,
          Condition: { "ForAllValues:StringLike": tokenItems },
        },
        {
          Effect: "Allow",
          Action: "dynamodb:UpdateItem",
          Resource: table,
          Condition: {
            "ForAllValues:StringLike": tokenItems,
            "ForAllValues:StringEquals": { "dynamodb:Attributes": ["pk", "sk", "lastUsedAt"] },
            StringEqualsIfExists: { "dynamodb:ReturnValues": "NONE" },
          },
        },
      ]);
    });

    it("the UpdateItem the authorizer really sends (touchToken) stays inside that grant", async () => {
      const sent: Cfn[] = [];
      const doc = {
        send: async (command: { input: Cfn; constructor: { name: string } }) => {
          sent.push({ name: command.constructor.name, ...command.input });
          return {};
        },
      } as unknown as DynamoDBDocumentClient;
      await createDynamoStore(doc, "t").touchToken(
        "abc",
        "2026-01-01T00:00:00.000Z",
        "2025-12-31T00:00:00.000Z",
      );
      expect(sent).toHaveLength(1);
      const [update] = sent;
      expect(update.name).toBe("UpdateCommand");
      expect(update.Key.pk).toMatch(/^TOKEN#/);
      expect(update.ReturnValues ?? "NONE").toBe("NONE");
      const names = new Set(Object.keys(update.Key));
      const expressions = [update.UpdateExpression, update.ConditionExpression ?? ""].join(" ");
      const KEYWORDS =
        /^(SET|REMOVE|ADD|DELETE|AND|OR|NOT|BETWEEN|IN|attribute_exists|attribute_not_exists|attribute_type|begins_with|contains|size|if_not_exists|list_append)$/;
      for (const word of expressions.match(/[#:]?[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
        if (word.startsWith(":") || KEYWORDS.test(word)) continue;
        names.add(word.startsWith("#") ? update.ExpressionAttributeNames[word] : word);
      }
      expect([...names].sort()).toEqual([...AUTHORIZER_UPDATE_ATTRIBUTES].sort());
    });
  });

  describe("change events (EventBridge)", () => {
    it("has the stack's own bus, named in the outputs", () => {
      const busId = logicalId(stack.changeEvents.bus);
      expect(resources[busId]?.Properties.Name).toBe(`${stack.stackName}-changes`);
      const outputs = template.toJSON().Outputs;
      expect(outputs[OUTPUTS.eventBusName].Value).toEqual({ Ref: busId });
      expect(outputs[OUTPUTS.eventBusArn].Value).toEqual({ "Fn::GetAtt": [busId, "Arn"] });
    });

    it("gives the writer EVENT_BUS_NAME and PutEvents to that bus only; no one else touches EventBridge", () => {
      const busId = logicalId(stack.changeEvents.bus);
      const { reader, writer, authorizer } = fns();
      const env = (fn: object) =>
        resources[logicalId(fn as { node: { defaultChild?: unknown } })]?.Properties.Environment.Variables;
      expect(env(writer)[CHANGE_EVENTS.busEnv]).toEqual({ Ref: busId });
      expect(env(reader)[CHANGE_EVENTS.busEnv]).toBeUndefined();
      expect(env(authorizer)[CHANGE_EVENTS.busEnv]).toBeUndefined();
      const events = (fn: object) =>
        statementsOf(fn).filter((s) => actionsOf(s).some((a) => a.startsWith("events:")));
      expect(events(writer)).toEqual([
        {
          Effect: "Allow",
          Action: "events:PutEvents",
          Resource: { "Fn::GetAtt": [busId, "Arn"] },
          Condition: {
            "ForAllValues:StringEquals": {
              "events:source": [CHANGE_EVENTS.source],
              "events:detail-type": [CHANGE_EVENTS.detailType],
            },
          },
        },
      ]);
      expect(events(reader)).toEqual([]);
      expect(events(authorizer)).toEqual([]);
      for (const [id, p] of ofType("AWS::IAM::Policy"))
        for (const s of p.Properties.PolicyDocument.Statement as Statement[])
          if (actionsOf(s).some((a) => a.startsWith("events:")))
            expect(s.Resource, id).toEqual({ "Fn::GetAtt": [busId, "Arn"] });
    });
  });

  describe("alarms notify someone", () => {
    it("every alarm has an alarm and an OK action on the encrypted alarm topic, which is an output", () => {
      const [[topicId, topic] = []] = ofType("AWS::SNS::Topic");
      expect(topicId).toBeDefined();
      const alarms = ofType("AWS::CloudWatch::Alarm");
      expect(alarms.length).toBeGreaterThanOrEqual(7);
      for (const [id, alarm] of alarms) {
        expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId }]);
        expect(alarm.Properties.OKActions, id).toEqual([{ Ref: topicId }]);
      }
      // Its own customer-managed key (CloudWatch cannot publish to a topic under AWS's managed SNS key).
      const keyId = topic?.Properties.KmsMasterKeyId["Fn::GetAtt"][0];
      expect(resources[keyId]?.Type).toBe("AWS::KMS::Key");
      expect(keyId).not.toBe(logicalId(stack.storage.key));
      expect(JSON.stringify(resources[keyId]?.Properties.KeyPolicy)).toContain("cloudwatch.amazonaws.com");
      template.hasResourceProperties("AWS::SNS::TopicPolicy", {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
            Match.objectLike({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" } }),
          ]),
        },
      });
      expect(template.toJSON().Outputs[OUTPUTS.alarmTopicArn].Value).toEqual({ Ref: topicId });
    });
  });

  describe("API access log", () => {
    it("goes to a log group under /aws/vendedlogs/ and records the authorizer's and the integration's error", () => {
      const [[, stage] = []] = ofType("AWS::ApiGatewayV2::Stage");
      const groupId = stage?.Properties.AccessLogSettings.DestinationArn["Fn::GetAtt"][0];
      const name = resources[groupId]?.Properties.LogGroupName;
      expect(name).toBe(ScopedSecretsHttpApi.accessLogGroupName(stack.stackName));
      expect(name).toMatch(/^\/aws\/vendedlogs\//);
      for (const variable of [
        "$context.authorizer.error",
        "$context.error.message",
        "$context.integrationErrorMessage",
      ])
        expect(stage?.Properties.AccessLogSettings.Format).toContain(variable);
    });
  });

  describe("admin UI on CloudFront", () => {
    const refs = (v: unknown) => JSON.stringify(v);

    it("names its origin access control and headers policy per region and stack", () => {
      const [[, oac] = []] = ofType("AWS::CloudFront::OriginAccessControl");
      const [[, headers] = []] = ofType("AWS::CloudFront::ResponseHeadersPolicy");
      for (const name of [
        oac?.Properties.OriginAccessControlConfig.Name,
        headers?.Properties.ResponseHeadersPolicyConfig.Name,
      ]) {
        expect(refs(name)).toContain('{"Ref":"AWS::Region"}');
        expect(refs(name)).toContain('{"Ref":"AWS::StackId"}');
      }
      // Longest region name (14) + the stack's UUID (36) + "ui-" and "-": within the 64-character limit.
      expect(3 + "ap-southeast-5".length + 1 + 36).toBeLessThanOrEqual(64);
    });

    it("sends a CSP as strict as the local server's, HSTS, nosniff, DENY framing and no referrer", async () => {
      const [[headersId, policy] = []] = ofType("AWS::CloudFront::ResponseHeadersPolicy");
      const config = policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      expect(config.StrictTransportSecurity).toMatchObject({ Override: true, IncludeSubdomains: true });
      expect(config.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31_536_000);
      expect(config.ContentTypeOptions).toEqual({ Override: true });
      expect(config.FrameOptions).toEqual({ FrameOption: "DENY", Override: true });
      expect(config.ReferrerPolicy).toEqual({ ReferrerPolicy: "no-referrer", Override: true });
      expect(config.ContentSecurityPolicy.Override).toBe(true);
      template.hasResourceProperties("AWS::CloudFront::Distribution", {
        DistributionConfig: {
          DefaultCacheBehavior: Match.objectLike({ ResponseHeadersPolicyId: { Ref: headersId } }),
        },
      });

      // The local server's CSP, as it sends it.
      const web = join(dir, "web");
      const app = new OpenAPIHono() as unknown as App;
      serveStatic(app, web);
      const local = (await app.request("/")).headers.get("content-security-policy") ?? "";
      const directives = (csp: string) =>
        Object.fromEntries(
          csp.split(";").map((d) => {
            const [name = "", ...values] = d.trim().split(/\s+/);
            return [name, values];
          }),
        );
      const api = "https://*.execute-api.eu-west-1.amazonaws.com";
      const cloud = directives(uiContentSecurityPolicy(api));
      const expected = directives(local);
      expect(Object.keys(cloud).sort()).toEqual(Object.keys(expected).sort());
      // Identical but for connect-src, which adds the API (on another origin in the cloud) and nothing else.
      expect({ ...cloud, "connect-src": expected["connect-src"] }).toEqual(expected);
      expect(cloud["connect-src"]).toEqual([...(expected["connect-src"] ?? []), api]);
      // The template's CSP is that function's output for the stack's region.
      expect(refs(config.ContentSecurityPolicy.ContentSecurityPolicy)).toContain("frame-ancestors 'none'");
      expect(refs(config.ContentSecurityPolicy.ContentSecurityPolicy)).toContain("https://*.execute-api.");
    });
  });
});
