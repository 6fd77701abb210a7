import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DecryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudPath, startCloudPath } from "../../emulator/cloud-path.ts";
import { ttlAttribute } from "../../emulator/dynamodb-local.ts";
import { motoKms } from "../../emulator/moto.ts";
import { cloudSkipReason } from "../support/targets.ts";

const ROOT = resolve(import.meta.dirname, "../..");
/** The cache TTL this file deploys with (context authorizerCacheSeconds): long enough to measure, short enough to wait. */
const TTL_SECONDS = 3;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `npm run start:cloud` as a whole: the template's table and key on DynamoDB Local and moto, the admin token
 * of the first start, the revocation delay through the authorizer cache, a restart on the same DATA_DIR, and
 * Ctrl-C leaving no process behind.
 */
describe.skipIf(cloudSkipReason)(
  `the cloud path on one machine${cloudSkipReason ? ` (skipped: ${cloudSkipReason})` : ""}`,
  () => {
    let dataDir: string;
    let cloud: CloudPath;
    const call = (path: string, token?: string, init: RequestInit = {}) =>
      fetch(`${cloud.url}${path}`, {
        ...init,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          "content-type": "application/json",
          ...(init.headers ?? {}),
        },
      });
    const admin = () => readFileSync(join(dataDir, "admin-token"), "utf8").trim();

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "ss-cloud-path-"));
      cloud = await startCloudPath({
        port: 0,
        host: "127.0.0.1",
        dataDir,
        keepLogs: true,
        say: () => {},
        context: { authorizerCacheSeconds: TTL_SECONDS },
      });
    }, 240_000);
    afterAll(async () => {
      await cloud?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it("serves /v1/health and saves the first start's admin token (0600)", async () => {
      const health = await call("/v1/health");
      expect(await health.json()).toMatchObject({ ok: true });
      expect(cloud.firstAdminToken).toMatch(/^sst_/);
      expect(admin()).toBe(cloud.firstAdminToken);
      expect((statSync(join(dataDir, "admin-token")).mode & 0o777).toString(8)).toBe("600");
      expect((await call("/v1/whoami", admin())).status).toBe(200);
    });

    it("creates the table from the template's definition (keys, GSIs, TTL) and the key with its alias", async () => {
      const table = Object.values(cloud.assembly.template.Resources).find(
        (r) => r.Type === "AWS::DynamoDB::Table",
      );
      const { DescribeTableCommand } = await import("@aws-sdk/client-dynamodb");
      const d = await cloud.dynamo.raw.send(new DescribeTableCommand({ TableName: cloud.dynamo.table }));
      expect(d.Table?.KeySchema).toEqual(table?.Properties.KeySchema);
      expect(d.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(
        table?.Properties.GlobalSecondaryIndexes.map((g: { IndexName: string }) => g.IndexName).sort(),
      );
      expect(await ttlAttribute(cloud.dynamo.raw, cloud.dynamo.table)).toBe(
        table?.Properties.TimeToLiveSpecification.AttributeName,
      );
      expect(cloud.gatewayConfig.routes.find((r) => r.authorizer)?.authorizer?.ttlSeconds).toBe(TTL_SECONDS);
    });

    it("moto's KMS enforces the encryption context: a data key made under one context does not decrypt under another", async () => {
      const kms = motoKms(cloud.kms.endpoint, "us-east-1");
      try {
        const ctx = { app: "scoped-secrets", environmentId: "a", spaceId: "-", name: "X", version: "1" };
        const key = await kms.send(
          new GenerateDataKeyCommand({ KeyId: cloud.kms.keyArn, KeySpec: "AES_256", EncryptionContext: ctx }),
        );
        const ok = await kms.send(
          new DecryptCommand({
            CiphertextBlob: key.CiphertextBlob,
            KeyId: cloud.kms.keyArn,
            EncryptionContext: ctx,
          }),
        );
        expect(Buffer.from(ok.Plaintext ?? []).equals(Buffer.from(key.Plaintext ?? []))).toBe(true);
        await expect(
          kms.send(
            new DecryptCommand({
              CiphertextBlob: key.CiphertextBlob,
              KeyId: cloud.kms.keyArn,
              EncryptionContext: { ...ctx, environmentId: "b" },
            }),
          ),
        ).rejects.toMatchObject({ name: "InvalidCiphertextException" });
      } finally {
        kms.destroy();
      }
    });

    it("takes a GET with a body like the local server (the body is ignored, never a bare text 400)", async () => {
      // fetch refuses a GET body; node:http sends one, as any client may.
      const url = new URL(`${cloud.url}/v1/environments`);
      const res = await new Promise<{ status: number; type: string }>((ok, fail) => {
        const headers = {
          authorization: `Bearer ${admin()}`,
          "content-type": "application/json",
          "content-length": "7",
        };
        const req = request(
          { host: url.hostname, port: url.port, path: url.pathname, method: "GET", headers },
          (r) => {
            r.resume();
            r.on("end", () => ok({ status: r.statusCode ?? 0, type: String(r.headers["content-type"]) }));
          },
        );
        req.on("error", fail);
        req.end('{"a":1}');
      });
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^application\/json/);
    });

    it("passes ETag and If-None-Match through the gateway: 304 with no body until the secret changes", async () => {
      const post = (path: string, body: unknown) =>
        call(path, admin(), { method: "POST", body: JSON.stringify(body) });
      expect((await post("/v1/environments", { id: "env_etag", name: "etag" })).status).toBe(201);
      expect(
        (await post("/v1/secrets", { name: "TAGGED", value: "one", environmentId: "env_etag" })).status,
      ).toBe(201);
      const path = "/v1/secrets?environmentId=env_etag&name=TAGGED";
      const first = await call(path, admin());
      expect(first.status).toBe(200);
      const tag = first.headers.get("etag");
      expect(tag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
      const unchanged = await call(path, admin(), { headers: { "if-none-match": tag ?? "" } });
      expect(unchanged.status).toBe(304);
      expect(await unchanged.text()).toBe("");
      expect(
        (await post("/v1/secrets", { name: "TAGGED", value: "two", environmentId: "env_etag" })).status,
      ).toBe(200);
      const changed = await call(path, admin(), { headers: { "if-none-match": tag ?? "" } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get("etag")).not.toBe(tag);
      expect((await changed.json()).data[0].value).toBe("two");
    });

    it("keeps accepting a revoked token until the authorizer cache TTL ends, then answers 401 (measured)", async () => {
      const made = await (
        await call("/v1/tokens", admin(), {
          method: "POST",
          body: JSON.stringify({ name: "revoke me", role: "admin" }),
        })
      ).json();
      const token = made.data.token as string;
      expect((await call("/v1/whoami", token)).status).toBe(200);
      const cachedAt = Date.now();
      expect((await call(`/v1/tokens/${made.data.id}`, admin(), { method: "DELETE" })).status).toBe(200);
      const statuses: Array<[number, number]> = [];
      for (;;) {
        const res = await call("/v1/whoami", token);
        statuses.push([Date.now() - cachedAt, res.status]);
        if (res.status !== 200 || Date.now() - cachedAt > (TTL_SECONDS + 5) * 1000) {
          expect(res.status).toBe(401);
          expect((await res.json()).errors[0].key).toBe("Authorization");
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const firstRefusal = statuses.find(([, s]) => s !== 200)?.[0] ?? 0;
      const lastAccepted = statuses.filter(([, s]) => s === 200).at(-1)?.[0] ?? 0;
      // Still served from the cache after the revocation, refused once the TTL is over (AWS: "within the
      // configured TTL, API Gateway uses the cached authorizer result").
      expect(lastAccepted).toBeGreaterThan((TTL_SECONDS - 1) * 1000);
      expect(lastAccepted).toBeLessThan(TTL_SECONDS * 1000);
      expect(firstRefusal).toBeGreaterThanOrEqual(TTL_SECONDS * 1000);
      expect(firstRefusal).toBeLessThan(TTL_SECONDS * 1000 + 2000);
    }, 30_000);

    it("keeps data and the admin token across a restart on the same DATA_DIR (the KMS key is recreated from kms-key.json)", async () => {
      const set = await call("/v1/environments", admin(), {
        method: "POST",
        body: JSON.stringify({ id: "env_r", name: "r" }),
      });
      expect(set.status).toBe(201);
      const value = `before-restart-${Date.now()}`;
      expect(
        (
          await call("/v1/secrets", admin(), {
            method: "POST",
            body: JSON.stringify({ name: "KEPT", value, environmentId: "env_r" }),
          })
        ).status,
      ).toBe(201);
      const pids = cloud.pids();
      await cloud.close();
      expect(pids.filter(alive)).toEqual([]);
      cloud = await startCloudPath({
        port: 0,
        host: "127.0.0.1",
        dataDir,
        keepLogs: true,
        say: () => {},
        context: { authorizerCacheSeconds: TTL_SECONDS },
      });
      expect(cloud.firstAdminToken).toBeUndefined();
      const read = await call("/v1/secrets?environmentId=env_r&name=KEPT", admin());
      expect(read.status).toBe(200);
      expect((await read.json()).data[0].value).toBe(value);
    }, 240_000);
  },
);

describe.skipIf(cloudSkipReason)(
  `npm run start:cloud as a process${cloudSkipReason ? ` (skipped: ${cloudSkipReason})` : ""}`,
  () => {
    it("prints the admin token once, then Ctrl-C (SIGINT) stops everything it started: no java, python or node left", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "ss-cloud-main-"));
      let child: ChildProcess | undefined;
      try {
        child = spawn(process.execPath, ["--import", "tsx", "emulator/main.ts"], {
          cwd: ROOT,
          env: { ...process.env, PORT: "0", DATA_DIR: dataDir },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout?.on("data", (d: Buffer) => {
          out += d;
        });
        const exited = new Promise<number | null>((r) => child?.once("exit", (code) => r(code)));
        await new Promise<void>((ok, fail) => {
          const timer = setTimeout(() => fail(new Error(`no start within 240 s:\n${err}`)), 240_000);
          child?.stderr?.on("data", (d: Buffer) => {
            err += d;
            // The last line, printed after the token went to stdout.
            if (err.includes("Ctrl-C stops everything")) {
              clearTimeout(timer);
              ok();
            }
          });
        });
        // stdout and stderr are separate pipes: the token may arrive a moment after the last stderr line.
        for (let i = 0; i < 50 && !out.trim(); i++) await new Promise((r) => setTimeout(r, 100));
        expect(err).toMatch(/\[1\/5\] synthesizing/);
        expect(out.trim()).toBe(readFileSync(join(dataDir, "admin-token"), "utf8").trim());
        const recorded = JSON.parse(readFileSync(join(dataDir, "pids.json"), "utf8")).children as number[];
        const workers = await childPids(child.pid ?? 0);
        expect(recorded.every(alive)).toBe(true);
        expect(workers.length).toBeGreaterThanOrEqual(recorded.length + 3);
        child.kill("SIGINT");
        expect(await exited).toBe(0);
        // Children exit on their own once their parent has; give them a moment, then name any survivor.
        const survivors = () => [...recorded, ...workers].filter(alive);
        for (let i = 0; i < 50 && survivors().length; i++) await new Promise((r) => setTimeout(r, 100));
        const cmd = (pid: number) =>
          readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").slice(0, 120);
        expect(survivors().map(cmd)).toEqual([]);
      } finally {
        // SIGTERM, not SIGKILL: a killed emulator would leave DynamoDB Local running (docs/cloud-path.md).
        if (child && child.exitCode === null) {
          const gone = new Promise((r) => child?.once("exit", r));
          child.kill("SIGTERM");
          await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
          if (child.exitCode === null) child.kill("SIGKILL");
        }
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 300_000);
  },
);

/** Direct children of `pid` (Linux /proc). */
async function childPids(pid: number): Promise<number[]> {
  const { readdirSync } = await import("node:fs");
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]?.split(" ")[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}
