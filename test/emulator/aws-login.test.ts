import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsIam, SecretsClient } from "../../client/index.ts";
import type { CloudPath } from "../../emulator/cloud-path.ts";
import { SETTING_DEFAULTS } from "../../infra/settings.ts";
import { LOGIN_REFUSED } from "../../lambdas/core/aws-auth-service.ts";
import { signedLoginBody } from "../integration/aws-auth/signing.ts";
import { assumeRoleAt, type RecordingServer, startRecordingServer } from "../support/moto-sts.ts";
import { cloudSkipReason, startTarget, TARGET_START_TIMEOUT_MS, type Target } from "../support/targets.ts";

const ROOT = resolve(import.meta.dirname, "../..");
/** The login route's own throttle, as deployed by default (the stage's is far higher). */
const { loginThrottleRateLimit: LOGIN_RATE, loginThrottleBurstLimit: LOGIN_BURST } = SETTING_DEFAULTS;
const ACCOUNT = "111122223333";
const AGENT_ROLE = `arn:aws:iam::${ACCOUNT}:role/agents/billing-agent`;
const SPACE_ROLE = `arn:aws:iam::${ACCOUNT}:role/space-agent`;
const UNBOUND_ROLE = `arn:aws:iam::${ACCOUNT}:role/nobody`;

/**
 * Issue 17 on the path users deploy: the stack's own open route (no authorizer, its own throttle) to the
 * writer bundle on Node 24, which relays the signed GetCallerIdentity to STS (moto's, through the function's
 * STS_ENDPOINT); the login token then goes through the API Gateway authorizer and its cache like any other.
 * The local-server suite (test/integration/aws-auth) covers the rest in detail.
 */
describe.skipIf(cloudSkipReason)(
  `AWS IAM login on the cloud path${cloudSkipReason ? ` (skipped: ${cloudSkipReason})` : ""}`,
  () => {
    let target: Target;
    let cloud: CloudPath;
    let decoy: RecordingServer;
    let admin: string;
    let serverId: string;

    const call = async (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => {
      const res = await fetch(`${cloud.url}${path}`, {
        method,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returns.
      const body: any = await res.json().catch(() => undefined);
      return { status: res.status, body };
    };
    const assumeRole = (roleArn: string, session = "lambda-session") =>
      assumeRoleAt(cloud.sts.endpoint, roleArn, session);
    const login = async (roleArn: string, extra: Partial<Parameters<typeof signedLoginBody>[0]> = {}) =>
      call("POST", "/v1/auth/aws", {
        body: await signedLoginBody({
          credentials: await assumeRole(roleArn),
          stsUrl: cloud.sts.endpoint,
          serverId,
          ...extra,
        }),
      });

    beforeAll(async () => {
      decoy = await startRecordingServer();
      // The suites' cloud target: the stage throttle out of reach, the login route's own at its defaults.
      target = await startTarget("cloud");
      if (!target.cloud) throw new Error("the cloud target exposes its emulator");
      cloud = target.cloud;
      admin = target.adminToken;
      serverId = cloud.serverId ?? "";
      const ok = async (p: Promise<{ status: number }>) => expect((await p).status).toBeLessThan(300);
      await ok(call("POST", "/v1/environments", { token: admin, body: { name: "aws", id: "aws_env" } }));
      await ok(call("POST", "/v1/environments", { token: admin, body: { name: "other", id: "other_env" } }));
      for (const id of ["aws_space", "sibling_space"])
        await ok(
          call("POST", "/v1/spaces", { token: admin, body: { environmentId: "aws_env", name: id, id } }),
        );
      const set = (name: string, value: string, environmentId: string, spaceId?: string) =>
        ok(call("POST", "/v1/secrets", { token: admin, body: { name, value, environmentId, spaceId } }));
      await set("SLACK_TOKEN", "xoxb-env-value", "aws_env");
      await set("SLACK_TOKEN", "xoxb-space-value", "aws_env", "aws_space");
      await set("SIBLING_ONLY", "sibling-value", "aws_env", "sibling_space");
      await set("OTHER", "other-env-value", "other_env");
      const bind = (body: Record<string, unknown>) =>
        ok(call("POST", "/v1/aws-identities", { token: admin, body }));
      await bind({ name: "billing", principalArn: AGENT_ROLE, role: "agent", environmentId: "aws_env" });
      await bind({
        name: "space agent",
        principalArn: SPACE_ROLE,
        role: "agent",
        environmentId: "aws_env",
        spaceId: "aws_space",
      });
    }, TARGET_START_TIMEOUT_MS + 60_000);
    afterAll(async () => {
      await target?.stop();
      await decoy?.stop();
    });

    it("gives the API functions a server id derived from the stack (the ServerId output)", () => {
      expect(serverId).toBe(`scoped-secrets:${serverId.split(":")[1]}:us-east-1:${cloud.assembly.stackName}`);
      expect(serverId.split(":")[1]).toMatch(/^\d{12}$/);
    });

    it("an agent with assumed-role credentials reads its scope with no static token: SDK and CLI", async () => {
      const client = new SecretsClient({
        baseUrl: cloud.url,
        env: {},
        auth: awsIam({
          serverId,
          stsEndpoint: cloud.sts.endpoint,
          credentials: await assumeRole(AGENT_ROLE),
          env: {},
        }),
      });
      expect((await client.get("SLACK_TOKEN", { environmentId: "aws_env" })).value).toBe("xoxb-env-value");
      expect(
        (await client.get("SLACK_TOKEN", { environmentId: "aws_env", spaceId: "aws_space" })).value,
      ).toBe("xoxb-space-value");
      await expect(client.get("OTHER", { environmentId: "other_env" })).rejects.toMatchObject({
        status: 404,
      });
      await expect(client.set({ name: "X", value: "y", environmentId: "aws_env" })).rejects.toMatchObject({
        status: 403,
      });

      const c = await assumeRole(AGENT_ROLE, "cli-session");
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(ROOT, "bin/scoped-secrets.js"), "get", "SLACK_TOKEN", "-e", "aws_env", "--aws-iam"],
        {
          cwd: target.dataDir,
          env: {
            PATH: process.env.PATH,
            HOME: target.dataDir,
            SCOPED_SECRETS_URL: cloud.url,
            SCOPED_SECRETS_SERVER_ID: serverId,
            AWS_ACCESS_KEY_ID: c.accessKeyId,
            AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
            AWS_SESSION_TOKEN: c.sessionToken,
            AWS_REGION: "us-east-1",
            AWS_ENDPOINT_URL_STS: cloud.sts.endpoint,
          },
        },
      );
      expect(stdout.trim()).toBe("xoxb-env-value");
    });

    it("a space-bound login token never leaves its space", async () => {
      const res = await login(SPACE_ROLE);
      expect(res.status).toBe(200);
      const { token } = res.body.data;
      const read = (q: string) => call("GET", `/v1/secrets?${q}`, { token });
      const own = await read("environmentId=aws_env&spaceId=aws_space&name=SLACK_TOKEN");
      expect(own.body.data[0].value).toBe("xoxb-space-value");
      expect((await read("environmentId=aws_env&spaceId=sibling_space&name=SIBLING_ONLY")).status).toBe(404);
      expect((await read("environmentId=aws_env&name=SLACK_TOKEN")).status).toBe(403);
      expect((await read("environmentId=other_env&name=OTHER")).status).toBe(404);
    });

    it("refuses an unbound role, and a wrong or missing server id, with 401", async () => {
      const unbound = await login(UNBOUND_ROLE);
      expect([unbound.status, unbound.body]).toEqual([
        401,
        { errors: [{ key: "", message: LOGIN_REFUSED }] },
      ]);
      for (const id of ["another-deployment", undefined]) {
        const res = await login(AGENT_ROLE, { serverId: id });
        expect(res.status, String(id)).toBe(401);
        expect(res.body.errors[0].message).toMatch(/X-Scoped-Secrets-Server-ID/);
      }
    });

    it("never follows a host or URL named in the request", async () => {
      const signedForDecoy = await login(AGENT_ROLE, { stsUrl: decoy.url });
      const urlNamesDecoy = await login(AGENT_ROLE, { requestUrl: `${decoy.url}/` });
      expect([signedForDecoy.status, urlNamesDecoy.status]).toEqual([401, 401]);
      expect(decoy.requests).toEqual([]);
    });

    it("a deleted binding refuses logins; a revoked login token stops within the authorizer cache TTL", async () => {
      const res = await login(SPACE_ROLE);
      const { token, tokenId } = res.body.data;
      const read = () =>
        call("GET", "/v1/secrets?environmentId=aws_env&spaceId=aws_space&name=SLACK_TOKEN", { token });
      expect((await read()).status).toBe(200);

      const list = await call("GET", "/v1/aws-identities", { token: admin });
      const binding = list.body.data.find((b: { name: string }) => b.name === "space agent");
      expect((await call("DELETE", `/v1/aws-identities/${binding.id}`, { token: admin })).status).toBe(200);
      expect((await login(SPACE_ROLE)).status).toBe(401);
      // Tokens already issued run to their expiry unless revoked; revoked, they stop within the cache TTL.
      expect((await read()).status).toBe(200);
      expect((await call("DELETE", `/v1/tokens/${tokenId}`, { token: admin })).status).toBe(200);
      await target.afterRevoke();
      expect((await read()).status).toBe(401);
    });

    it("throttles POST /v1/auth/aws on its own route limit, before the function runs", async () => {
      await new Promise((r) => setTimeout(r, (LOGIN_BURST / LOGIN_RATE) * 1000 + 200)); // a full bucket
      const invocations = () => cloud.logs.requests.filter((r) => r.routeKey === "POST /v1/auth/aws").length;
      const before = invocations();
      const started = Date.now();
      const statuses = await Promise.all(
        Array.from({ length: LOGIN_BURST * 4 }, () =>
          fetch(`${cloud.url}/v1/auth/aws`, { method: "POST", body: "{}" }).then((r) => r.status),
        ),
      );
      const seconds = (Date.now() - started) / 1000;
      // The burst, plus what the rate refills while they arrive (a busy machine stretches that window).
      const admitted = statuses.filter((s) => s !== 429).length;
      expect(admitted).toBeGreaterThanOrEqual(LOGIN_BURST);
      expect(admitted).toBeLessThanOrEqual(LOGIN_BURST + Math.ceil(seconds * LOGIN_RATE));
      expect(statuses).toContain(429);
      expect(invocations() - before).toBe(admitted);
      // Other routes keep the stage's limits.
      expect((await call("GET", "/v1/health")).status).toBe(200);
    });
  },
);
