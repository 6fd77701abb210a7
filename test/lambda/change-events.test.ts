import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { handle } from "hono/aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { LocalKeyring } from "../../lambdas/crypto/local-keyring.ts";
import { type ApiRuntime, composeApi } from "../../lambdas/handlers/compose.ts";
import { TELEMETRY } from "../../lambdas/handlers/telemetry.ts";
import { type Engine, startDynalite } from "../support/engines.ts";
import { type HttpEventInput, httpEvent } from "./fixtures.ts";

/** The API function as composed for Lambda: change events on the writer, conditional reads through the adapter. */
describe("Lambda API function: change events and conditional reads", () => {
  let engine: Engine;
  let dir: string;
  let keyFile: string;
  const eventBridge = mockClient(EventBridgeClient);
  // What the API Gateway authorizer would have put in the context for an admin token.
  const admin = { tokenId: "tok_admin", role: "admin", name: "admin", environmentId: "", spaceId: "" };

  beforeAll(async () => {
    engine = await startDynalite();
    dir = mkdtempSync(join(tmpdir(), "ss-events-"));
    keyFile = join(dir, "master.key");
    await LocalKeyring.open(keyFile, { create: true });
  });
  afterEach(() => {
    eventBridge.reset();
  });
  afterAll(async () => {
    eventBridge.restore();
    await engine?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A composed function with captured log lines and published metrics. */
  async function compose(extra: Record<string, string>) {
    const warnings: Array<[string, Record<string, unknown>]> = [];
    const log = vi.fn();
    const logger = {
      info: log,
      error: log,
      warn: (m: string, a: Record<string, unknown>) => warnings.push([m, a]),
    };
    const metrics = new Metrics({ namespace: TELEMETRY.namespace, serviceName: TELEMETRY.service });
    const published: Array<Record<string, unknown>> = [];
    vi.spyOn(metrics, "publishStoredMetrics").mockImplementation(() => {
      published.push(metrics.serializeMetrics() as unknown as Record<string, unknown>);
      metrics.clearMetrics();
      return metrics;
    });
    const runtime: ApiRuntime = await composeApi(
      {
        TABLE_NAME: engine.table,
        DYNAMODB_ENDPOINT: engine.endpoint,
        AWS_REGION: "eu-west-1",
        LOCAL_MASTER_KEY_FILE: keyFile,
        ...extra,
      },
      { logger: logger as unknown as Logger, metrics },
    );
    const lambda = handle(runtime.app);
    const call = async (input: Omit<HttpEventInput, "authorizer">) => {
      const res = (await lambda(
        httpEvent({ ...input, authorizer: admin }) as never,
        {} as never,
      )) as APIGatewayProxyStructuredResultV2;
      return { status: res.statusCode, body: res.body ?? "", headers: res.headers ?? {} };
    };
    return { call, warnings, published };
  }

  it("the writer puts one event per change on EVENT_BUS_NAME", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "1" }] });
    const { call } = await compose({ EVENT_BUS_NAME: "ss-changes" });
    expect(
      (await call({ method: "POST", url: "/v1/environments", body: { name: "E", id: "ev_ok" } })).status,
    ).toBe(201);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0); // not a secret change
    const set = await call({
      method: "POST",
      url: "/v1/secrets",
      body: { name: "TOKEN", value: "published-nowhere", environmentId: "ev_ok" },
    });
    expect(set.status).toBe(201);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entry = calls[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: "ss-changes",
      Source: "scoped-secrets",
      DetailType: "Secret Change",
    });
    expect(JSON.parse(entry?.Detail ?? "")).toMatchObject({
      type: "secret.created",
      environmentId: "ev_ok",
      name: "TOKEN",
      version: 1,
      actor: "tok_admin",
    });
    expect(entry?.Detail).not.toContain("published-nowhere");
  });

  it("a failed publish leaves the write 2xx, logs a warning without the value and counts the metric", async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error("throttled"), { name: "ThrottlingException" }));
    const { call, warnings, published } = await compose({ EVENT_BUS_NAME: "ss-changes" });
    await call({ method: "POST", url: "/v1/environments", body: { name: "E", id: "ev_fail" } });
    const body = { name: "TOKEN", value: "kept-despite-failure", environmentId: "ev_fail" };
    expect((await call({ method: "POST", url: "/v1/secrets", body })).status).toBe(201);
    expect(
      (await call({ method: "POST", url: "/v1/secrets", body: { ...body, value: "second" } })).status,
    ).toBe(200);

    // The writes are durable: the value reads back.
    const read = await call({ method: "GET", url: "/v1/secrets?environmentId=ev_fail&name=TOKEN" });
    expect(JSON.parse(read.body).data[0]).toMatchObject({ value: "second", version: 2 });
    expect(warnings.map(([m, a]) => [m, a.type, a.name, a.version, a.error])).toEqual([
      ["change event not published", "secret.created", "TOKEN", 1, "ThrottlingException"],
      ["change event not published", "secret.updated", "TOKEN", 2, "ThrottlingException"],
    ]);
    expect(JSON.stringify(warnings)).not.toContain("kept-despite-failure");
    const failures = published.map((m) => m[TELEMETRY.metrics.changeEventFailures]).filter(Boolean);
    expect(failures).toEqual([1, 1]);
  });

  it("without EVENT_BUS_NAME (the reader) nothing is published", async () => {
    const { call } = await compose({});
    await call({ method: "POST", url: "/v1/environments", body: { name: "E", id: "ev_none" } });
    expect(
      (
        await call({
          method: "POST",
          url: "/v1/secrets",
          body: { name: "TOKEN", value: "v", environmentId: "ev_none" },
        })
      ).status,
    ).toBe(201);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("answers If-None-Match with a 304 API Gateway can return: no body, the ETag header", async () => {
    const { call } = await compose({});
    await call({ method: "POST", url: "/v1/environments", body: { name: "E", id: "ev_etag" } });
    await call({
      method: "POST",
      url: "/v1/secrets",
      body: { name: "K", value: "v1", environmentId: "ev_etag" },
    });
    const url = "/v1/secrets?environmentId=ev_etag&name=K";
    const first = await call({ method: "GET", url });
    expect(first.status).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"/);
    // API Gateway joins repeated headers with commas (payload format 2.0): a list, as RFC 9110 allows.
    const notModified = await call({ method: "GET", url, headers: { "if-none-match": `"other",${etag}` } });
    expect(notModified).toMatchObject({ status: 304, body: "" });
    expect(notModified.headers.etag).toBe(etag);
    await call({
      method: "POST",
      url: "/v1/secrets",
      body: { name: "K", value: "v2", environmentId: "ev_etag" },
    });
    const changed = await call({ method: "GET", url, headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(JSON.parse(changed.body).data[0].value).toBe("v2");
  });
});
