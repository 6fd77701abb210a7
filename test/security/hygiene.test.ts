import { statSync } from "node:fs";
import { join } from "node:path";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopePk, secretSk } from "../../lambdas/store/keys.ts";
import { startTarget, TARGET_START_TIMEOUT_MS, TARGETS, type Target } from "../support/targets.ts";
import { captureStdio, findInDir, findInTable, findInText, type Needle } from "./support/leaks.ts";
import { Tally } from "./support/tally.ts";
import { buildWorld, type Call, counted, secretValue, type World } from "./support/world.ts";

/**
 * Issue 9, part 6: after a workload of every role, including the error paths a careless server would echo
 * a value or a token from, no plaintext value and no token is found in the request log, in anything the
 * process printed, in any error body, in the bytes of the DATA_DIR files (dynalite's LevelDB; on the cloud
 * path DynamoDB Local's database, the cloud assembly and the Lambda workers' and access logs), or in a raw
 * Scan of the table. A planted canary shows the byte search would have found one. Against both targets.
 */
describe.each(TARGETS)(
  "security: secret hygiene (logs, error bodies, files, table) ($name)",
  ({ name, skip }) => {
    if (skip) return void it.skip(skip, () => {});
    const tally = new Tally(`hygiene ${name}`);
    let s: Target;
    let call: Call;
    let world: World;
    let stdio: ReturnType<typeof captureStdio>;
    const errorBodies: string[] = [];
    const extra: Needle[] = [];

    const needles = () => [...world.needles(), ...extra];
    const tokenOf = (label: string) => world.scoped.find((t) => t.label === label)?.token ?? "";

    /** Calls and keeps every error body for the final search. */
    const tracked: Call = async (method, path, options) => {
      const res = await call(method, path, options);
      if (res.status >= 400) errorBodies.push(res.text);
      return res;
    };

    beforeAll(async () => {
      stdio = captureStdio();
      s = await startTarget(name);
      call = counted(s, tally);
      world = await buildWorld(call, s.adminToken);
    }, TARGET_START_TIMEOUT_MS);

    afterAll(async () => {
      stdio?.stop();
      tally.print();
      await s?.stop();
    });

    it("runs a workload of every role, including the error paths that carry a value or a token", async () => {
      const admin = s.adminToken;
      const operator = tokenOf("operator@env_a");
      const agent = tokenOf("agent@spc_a1");
      const hot = secretValue("hot");
      extra.push({ label: "value HOT", text: hot });

      // Ordinary use: an operator writes and updates, agents and the admin read, history and rollback.
      const first = secretValue("hot-v1");
      extra.push({ label: "value HOT v1", text: first });
      const created = await tracked("POST", "/v1/secrets", {
        token: operator,
        body: { name: "HOT", value: first, environmentId: "env_a" },
      });
      expect(created.status).toBe(201);
      const updated = await tracked("POST", "/v1/secrets", {
        token: operator,
        body: { name: "HOT", value: hot, environmentId: "env_a", expectedVersion: 1 },
      });
      expect(updated.status).toBe(200);
      for (const token of [agent, tokenOf("agent@env_a"), admin]) {
        const read = await tracked("GET", "/v1/secrets?environmentId=env_a&spaceId=spc_a1&name=HOT", {
          token,
        });
        expect(read.body.data[0].value).toBe(hot);
      }
      expect((await tracked("GET", "/v1/secrets?environmentId=env_a", { token: operator })).status).toBe(200);
      await tracked("GET", `/v1/secrets/${created.body.data.id}/versions`, { token: operator });
      await tracked("POST", `/v1/secrets/${created.body.data.id}/rollback`, {
        token: operator,
        body: { version: 2 },
      });

      // Error paths with a value or a token in the request.
      const leaky = secretValue("leaky");
      extra.push({ label: "value sent with bad requests", text: leaky });
      const bad = (body: unknown, token = operator, headers?: Record<string, string>) =>
        tracked("POST", "/v1/secrets", { token, body, ...(headers ? { headers } : {}) });
      const statuses = [
        (await bad({ name: "not a name!", value: leaky, environmentId: "env_a" })).status,
        (await bad({ name: "OK", value: leaky, environmentId: "env_a", note: leaky })).status,
        (await bad({ name: "OK", value: leaky, environmentId: "env_a", expectedVersion: 99 })).status,
        (await bad({ name: "HOT", value: leaky, environmentId: "env_a", expectedVersion: 0 })).status,
        (await bad({ name: "OK", value: `${leaky}${"x".repeat(70_000)}`, environmentId: "env_a" })).status,
        (await bad({ name: "OK", value: `${leaky}${"x".repeat(140_000)}`, environmentId: "env_a" })).status,
        (await bad(`{"name":"OK","value":"${leaky}"`)).status,
        (
          await bad(JSON.stringify({ name: "OK", value: leaky, environmentId: "env_a" }), operator, {
            "content-type": "text/plain",
          })
        ).status,
        (await bad({ name: "OK", value: leaky, environmentId: "env_b" })).status,
        (await bad({ name: "OK", value: leaky, environmentId: "env_a" }, agent)).status,
        (await bad({ name: "OK", value: leaky, environmentId: "env_a" }, `${operator.slice(0, -1)}x`)).status,
        (await bad({ name: "OK", value: leaky, environmentId: "env_a" }, world.revoked.token)).status,
      ];
      expect(statuses).toEqual([400, 400, 412, 412, 400, 413, 400, 415, 404, 403, 401, 401]);
      const tokenInPath = await tracked("GET", `/v1/secrets/${agent}`, { token: agent });
      expect(tokenInPath.status).toBe(404);
      const tokenAsQuery = await tracked("GET", `/v1/secrets?environmentId=${encodeURIComponent(agent)}`, {
        token: agent,
      });
      expect(tokenAsQuery.status).toBe(404);
      const tokenAsName = await tracked("POST", "/v1/tokens", {
        token: admin,
        body: { name: tokenOf("agent@env_b"), role: "superuser" },
      });
      expect(tokenAsName.status).toBe(400);
    });

    it("reports a tampered value as an integrity failure without printing it or the value it was moved from", async () => {
      const doc = s.dynamo.doc;
      const table = s.dynamo.table;
      const key = (environmentId: string) => ({ pk: scopePk({ environmentId }), sk: secretSk("ENV_ONLY") });
      const foreign = (await doc.send(new GetCommand({ TableName: table, Key: key("env_b") }))).Item;
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key("env_a"),
          UpdateExpression: "SET envelope = :e",
          ExpressionAttributeValues: { ":e": foreign?.envelope },
        }),
      );
      const read = await tracked("GET", "/v1/secrets?environmentId=env_a&name=ENV_ONLY", {
        token: tokenOf("agent@env_a"),
      });
      expect(read.status).toBe(500);
      expect(read.body.errors[0].message).toMatch(/failed its integrity check/);
    });

    it("finds no value and no token in the request log, printed output or any error body", () => {
      // On the cloud path the functions print to their own log (the Lambda workers' stdout and stderr).
      const printed = stdio.text() + s.logText();
      const findings = [
        ...findInText(s.logText(), needles(), "request log"),
        ...findInText(printed, needles(), "stdout/stderr"),
        ...errorBodies.flatMap((b, i) => findInText(b, needles(), `error body ${i}`)),
      ];
      expect(tally.found(findings)).toEqual([]);
      // The integrity failure above was logged, by name and code only.
      expect(printed).toMatch(/"level":"error".*"code":"integrity"/i);
      expect(errorBodies.length).toBeGreaterThan(12);
    });

    it("finds no value and no token in the DATA_DIR files or a raw Scan; key files are 0600", async () => {
      const findings = [
        ...findInDir(s.dataDir, needles(), ["admin-token"]),
        ...(await findInTable(s.dynamo, s.dynamo.table, needles())),
      ];
      expect(tally.found(findings)).toEqual([]);
      for (const file of s.secretFiles)
        expect((statSync(join(s.dataDir, file)).mode & 0o777).toString(8), file).toBe("600");
    });

    it("would have found a plaintext: a canary stored in the clear shows up in the engine's files and the Scan", async () => {
      const canary = { label: "canary", text: secretValue("canary") };
      await s.dynamo.doc.send(
        new PutCommand({
          TableName: s.dynamo.table,
          Item: { pk: "CANARY", sk: "CANARY", plain: canary.text },
        }),
      );
      expect(findInDir(s.dataDir, [canary]).length).toBeGreaterThan(0);
      expect(await findInTable(s.dynamo, s.dynamo.table, [canary])).toHaveLength(1);
    });
  },
);
