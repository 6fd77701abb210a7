import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StartupError, startLocalServer } from "../../local/server.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { injectDynamoFaults } from "./support/dynamo-faults.ts";
import { findInText } from "./support/leaks.ts";
import { localTarget, type SecurityTarget } from "./support/target.ts";
import { createSecret, createToken, secretValue } from "./support/world.ts";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * A DynamoDB call that commits and whose answer is then lost (a timeout after the write landed), once: the SDK
 * retries the very same request, which now meets its own committed write.
 */
function loseResponses(client: DynamoDBClient) {
  let pending: { command: string; when: (input: unknown) => boolean; times: number } | undefined;
  let lost = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const command = (context as { commandName?: string }).commandName;
      if (pending && pending.times > 0 && command === pending.command && pending.when(args.input)) {
        pending.times--;
        lost++;
        throw Object.assign(new Error("the response was lost after the write committed"), {
          name: "TimeoutError",
          $metadata: {},
        });
      }
      return out;
    },
    { step: "deserialize", name: "securityLostResponse", priority: "low" },
  );
  return {
    lose(command: string, when: (input: unknown) => boolean, times = 1) {
      pending = { command, when, times };
    },
    lost: () => lost,
    heal() {
      pending = undefined;
    },
  };
}

describe("security: fail-closed reveal audit and lost responses (real server, real dynalite)", () => {
  let t: SecurityTarget;
  let faults: ReturnType<typeof injectDynamoFaults>;
  let lossy: ReturnType<typeof loseResponses>;
  beforeAll(async () => {
    t = await localTarget("faults-round2");
    const raw = t.local?.dynamo.raw;
    if (!raw) throw new Error("needs the local server");
    // Faults go into the SDK client's middleware: route the store's lean client (lambdas/store/lean-dynamo.ts)
    // through the full SDK stack of the same client for this suite.
    const dynamo = t.local?.dynamo;
    if (dynamo) dynamo.lean.send = dynamo.doc.send.bind(dynamo.doc);
    faults = injectDynamoFaults(raw);
    lossy = loseResponses(raw);
    await t.call("POST", "/v1/environments", { token: t.adminToken, body: { id: "f2", name: "f2" } });
    await t.call("POST", "/v1/spaces", {
      token: t.adminToken,
      body: { environmentId: "f2", id: "f2s", name: "s" },
    });
  });
  afterAll(async () => {
    t?.tally.print();
    await t?.stop();
  });

  it("an admin reveal whose audit event cannot be written returns no value, on every reading route", async () => {
    const s = await createSecret(
      t.call,
      t.adminToken,
      { environmentId: "f2" },
      "AUDITED",
      secretValue("audited"),
    );
    const agent = await createToken(t.call, t.adminToken, {
      label: "agent",
      role: "agent",
      environmentId: "f2",
    });
    const auditWrites = (input: unknown) => JSON.stringify(input).includes('"AUDIT');
    // As IAM answers a function that may not write there: not retried, so the test stays quick.
    const denied = () =>
      Object.assign(new Error("not authorized to perform dynamodb:PutItem"), {
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
    faults.fail(denied, { commands: ["PutItemCommand"], when: auditWrites });
    try {
      for (const path of [
        "/v1/secrets?environmentId=f2&name=AUDITED",
        "/v1/secrets?environmentId=f2",
        "/v1/secrets?environmentId=f2&spaceId=f2s",
        `/v1/secrets/${s.id}`,
      ]) {
        const res = await t.call("GET", path, { token: t.adminToken });
        expect(res.status, path).toBe(503);
        expect(findInText(res.text, [{ label: "value", text: s.value }], path)).toEqual([]);
      }
      // Agent reads are not audit events (SECURITY.md): they do not depend on the audit log.
      const read = await t.call("GET", "/v1/secrets?environmentId=f2&name=AUDITED", { token: agent.token });
      expect(read.body.data[0].value).toBe(s.value);
    } finally {
      faults.heal();
    }
    const after = await t.call("GET", "/v1/secrets?environmentId=f2&name=AUDITED", { token: t.adminToken });
    expect(after.body.data[0].value).toBe(s.value);
  });

  for (const [step, command] of [
    ["claim (PutItem of the version)", "PutItemCommand"],
    ["completion (UpdateItem of the current item)", "UpdateItemCommand"],
  ] as const) {
    it(`a write whose ${step} commits but whose answer is lost is retried into exactly one version`, async () => {
      const name = `LOST_${command.replace("Command", "").toUpperCase()}`;
      await createSecret(t.call, t.adminToken, { environmentId: "f2" }, name, "v1");
      const before = lossy.lost();
      lossy.lose(
        command,
        (input) => JSON.stringify(input).includes(name) && JSON.stringify(input).includes("SCOPE#"),
      );
      const res = await t.call("POST", "/v1/secrets", {
        token: t.adminToken,
        body: { environmentId: "f2", name, value: "v2", expectedVersion: 1 },
      });
      lossy.heal();
      expect(lossy.lost() - before).toBe(1);
      expect(res.status).toBe(200);
      expect(res.body.data.version).toBe(2);
      const versions = await t.call("GET", `/v1/secrets/${res.body.data.id}/versions`, {
        token: t.adminToken,
      });
      expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      const read = await t.call("GET", `/v1/secrets?environmentId=f2&name=${name}`, { token: t.adminToken });
      expect(read.body.data[0]).toMatchObject({ version: 2, value: "v2" });
      // A client that retries the whole request after losing the HTTP answer learns it already landed.
      const retry = await t.call("POST", "/v1/secrets", {
        token: t.adminToken,
        body: { environmentId: "f2", name, value: "v2", expectedVersion: 1 },
      });
      expect(retry.status).toBe(412);
    });
  }
});

function runCli(args: string[]): { exited: Promise<{ code: number | null; out: string }>; kill(): void } {
  const child = spawn(process.execPath, [join(ROOT, "bin/scoped-secrets.js"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return {
    exited: new Promise((r) => child.once("exit", (code) => r({ code, out }))),
    kill: () => child.kill("SIGKILL"),
  };
}

describe("security: a key rotation killed with SIGKILL mid-way is resumed", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ss-rotate-kill-"));
  let server: TestServer | undefined;
  const written = new Map<string, string>();
  afterAll(async () => {
    await server?.stop({ keepData: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("kill -9 while data keys are being re-wrapped; the server refuses to start; rotate-key again finishes; every value reads", async () => {
    server = await startTestServer({ dataDir });
    await server.call("POST", "/v1/environments", {
      token: server.adminToken,
      body: { id: "rk", name: "rk" },
    });
    for (let i = 0; i < 150; i++) {
      const value = secretValue(`rk${i}`);
      const res = await server.call("POST", "/v1/secrets", {
        token: server.adminToken,
        body: { environmentId: "rk", name: `K${i}`, value },
      });
      expect(res.status).toBe(201);
      written.set(`K${i}`, value);
    }
    const admin = server.adminToken;
    await server.stop({ keepData: true });
    server = undefined;

    let killedMidway = false;
    for (let attempt = 0; attempt < 4 && !killedMidway; attempt++) {
      const run = runCli(["rotate-key", "--data-dir", dataDir]);
      // master.key.new appears when re-wrapping starts; kill a moment later.
      const started = Date.now();
      while (!existsSync(join(dataDir, "master.key.new")) && Date.now() - started < 20_000)
        await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 150 / (attempt + 1)));
      run.kill();
      await run.exited;
      killedMidway = existsSync(join(dataDir, "master.key.new"));
    }
    expect(killedMidway).toBe(true);

    await expect(
      startLocalServer({ port: 0, host: "127.0.0.1", dataDir, say: () => undefined }),
    ).rejects.toThrow(StartupError);
    const resumed = await runCli(["rotate-key", "--data-dir", dataDir]).exited;
    expect(resumed.code, resumed.out).toBe(0);
    expect(resumed.out).toMatch(/Resuming an interrupted rotation/);
    expect(existsSync(join(dataDir, "master.key.new"))).toBe(false);

    server = await startTestServer({ dataDir });
    const all = await server.call("GET", "/v1/secrets?environmentId=rk", { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(written.size);
    for (const row of all.body.data as Array<{ name: string; value: string; error?: unknown }>) {
      expect(row.error).toBeUndefined();
      expect(row.value).toBe(written.get(row.name));
    }
  }, 120_000);
});
