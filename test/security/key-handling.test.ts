import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localKeyId } from "../../lambdas/crypto/local-keyring.ts";
import { RotateKeyError, rotateLocalKey } from "../../local/rotate-key.ts";
import { StartupError, startLocalServer } from "../../local/server.ts";
import { runCli } from "../../ops/cli.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { dumpTable, findInDir, type Needle } from "./support/leaks.ts";
import { Tally } from "./support/tally.ts";
import { type Call, counted, createSecret, secretValue } from "./support/world.ts";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * Issue 9, part 7: the local master key. A key file others may read is refused at start with a clear
 * message; `scoped-secrets rotate-key` makes a new key, re-wraps every stored data key under it (current and
 * historical versions), refuses while a server holds the DATA_DIR, resumes after an interruption, and
 * afterwards every value decrypts with the new key alone.
 */
describe("security: local master key handling and rotation", () => {
  const tally = new Tally("keys");
  const dataDir = mkdtempSync(join(tmpdir(), "ss-keys-"));
  const keyPath = join(dataDir, "master.key");
  let adminToken = "";
  /** name@scope → the value each version holds (index = version - 1). */
  const history = new Map<string, string[]>();
  const needles: Needle[] = [];

  const keyIdNow = () => localKeyId(readFileSync(keyPath));
  const extraKeyFiles = () => readdirSync(dataDir).filter((f) => f.startsWith("master.key."));

  /** Runs `fn` against the real server on dataDir, then stops it (data kept). */
  async function withServer<T>(fn: (s: TestServer, call: Call) => Promise<T>): Promise<T> {
    const s = await startTestServer({ dataDir, webDir: "/nonexistent" });
    adminToken ||= s.adminToken;
    try {
      return await fn(s, counted(s, tally));
    } finally {
      await s.stop({ keepData: true });
    }
  }

  /** Every current value reads back, and version 1 of each secret (its oldest data key) still decrypts. */
  async function expectAllValuesDecrypt() {
    await withServer(async (_s, call) => {
      for (const [key, values] of history) {
        const [name, scope] = key.split("@") as [string, string];
        const [environmentId, spaceId] = scope.split("/") as [string, string | undefined];
        const q = `environmentId=${environmentId}${spaceId ? `&spaceId=${spaceId}` : ""}&name=${name}`;
        const read = await call("GET", `/v1/secrets?${q}`, { token: adminToken });
        expect(read.status, `${key}: ${read.text}`).toBe(200);
        expect(read.body.data[0].value, key).toBe(values.at(-1));
        if (values.length > 1) {
          // Rolling back re-opens version 1's envelope: its data key must have been re-wrapped too.
          const back = await call("POST", `/v1/secrets/${read.body.data[0].id}/rollback`, {
            token: adminToken,
            body: { version: 1 },
          });
          expect(back.status, `${key} rollback: ${back.text}`).toBe(200);
          values.push(values[0] as string);
        }
      }
      const listed = await call("GET", "/v1/secrets?environmentId=env_k&spaceId=spc_k", {
        token: adminToken,
      });
      expect(listed.body.data.filter((x: { error?: unknown }) => x.error)).toEqual([]);
    });
  }

  beforeAll(async () => {
    await withServer(async (_s, call) => {
      await call("POST", "/v1/environments", { token: adminToken, body: { id: "env_k", name: "k" } });
      await call("POST", "/v1/spaces", {
        token: adminToken,
        body: { environmentId: "env_k", id: "spc_k", name: "k" },
      });
      for (const [scope, name, versions] of [
        [{ environmentId: "env_k" }, "API_KEY", 3],
        [{ environmentId: "env_k", spaceId: "spc_k" }, "API_KEY", 2],
        [{ environmentId: "env_k", spaceId: "spc_k" }, "ONLY_HERE", 1],
      ] as const) {
        const values: string[] = [];
        for (let v = 0; v < versions; v++) {
          const value = secretValue(`${name}.v${v + 1}`);
          await createSecret(call, adminToken, scope, name, value);
          values.push(value);
          needles.push({ label: `${name} v${v + 1}`, text: value });
        }
        history.set(`${name}@${scope.environmentId}${"spaceId" in scope ? `/${scope.spaceId}` : ""}`, values);
      }
      // A deleted secret leaves a tombstone and a value version behind: both must survive the rotation.
      const gone = await createSecret(call, adminToken, { environmentId: "env_k" }, "DELETED");
      needles.push({ label: "DELETED", text: gone.value });
      expect((await call("DELETE", `/v1/secrets/${gone.id}`, { token: adminToken })).status).toBe(200);
    });
  });

  afterAll(() => {
    tally.print();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses to start with a master key readable by group or others, and says how to fix it", async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      chmodSync(keyPath, mode);
      await expect(
        startLocalServer({ port: 0, host: "127.0.0.1", dataDir, log: () => {}, say: () => {} }),
      ).rejects.toSatisfy(
        (e: unknown) =>
          e instanceof StartupError &&
          /readable by group or others/.test(e.message) &&
          e.message.includes(`chmod 600 ${keyPath}`),
      );
    }
    // What `npm start` shows: one line naming the file and the fix, exit code 1.
    const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^scoped-secrets: the master key file .*master\.key is readable by group or others/m,
    );
    expect(stderr).toContain("chmod 600");
    chmodSync(keyPath, 0o600);
    await expectAllValuesDecrypt();
  }, 60_000);

  it("rotate-key refuses while a server is using the DATA_DIR, and changes nothing", async () => {
    const before = readFileSync(keyPath);
    await withServer(async () => {
      await expect(rotateLocalKey({ dataDir })).rejects.toSatisfy(
        (e: unknown) =>
          e instanceof RotateKeyError && /a scoped-secrets server is using .*; stop it/.test(e.message),
      );
    });
    expect(readFileSync(keyPath).equals(before)).toBe(true);
    expect(extraKeyFiles()).toEqual([]);
  });

  it("rotate-key refuses a master key others may read", async () => {
    chmodSync(keyPath, 0o644);
    await expect(rotateLocalKey({ dataDir })).rejects.toThrow(/readable by group or others.*chmod 600/);
    chmodSync(keyPath, 0o600);
    expect(extraKeyFiles()).toEqual([]);
  });

  it("`scoped-secrets rotate-key` re-wraps every data key; every value decrypts with the new key alone", async () => {
    const oldKeyId = keyIdNow();
    const envelopes = (s: TestServer) =>
      dumpTable(s.dynamo, s.dynamo.table).then((items) => items.filter((i) => i.includes('"envelope"')));
    const count = await withServer(async (s) => (await envelopes(s)).length);
    expect(count).toBeGreaterThanOrEqual(10);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["rotate-key", "--data-dir", dataDir], {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    });
    expect(code, err.join("")).toBe(0);
    const newKeyId = keyIdNow();
    expect(newKeyId).not.toBe(oldKeyId);
    expect(out.join("")).toBe(`master key rotated: ${oldKeyId} → ${newKeyId}\n`);
    expect(err.join("")).toContain(`Re-wrapped ${count} data key(s); ${count} verified under the new key.`);
    expect(err.join("")).toMatch(/The old key was deleted/);
    // The old key is gone (default), the new one is the only key file, private to its owner.
    expect(extraKeyFiles()).toEqual([]);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    await withServer(async (s) => {
      const items = await envelopes(s);
      expect(items.length).toBe(count);
      expect(items.filter((i) => !i.includes(newKeyId))).toEqual([]);
      expect(items.filter((i) => i.includes(oldKeyId))).toEqual([]);
    });
    await expectAllValuesDecrypt();
  }, 60_000);

  it("--keep-old-key keeps the old key as master.key.old-<timestamp>, mode 0600", async () => {
    const oldKeyId = keyIdNow();
    const result = await rotateLocalKey({ dataDir, keepOldKey: true });
    expect(result).toMatchObject({ oldKeyId, newKeyId: keyIdNow(), alreadyRewrapped: 0 });
    expect(result.rewrapped).toBeGreaterThanOrEqual(10);
    const kept = extraKeyFiles();
    expect(kept).toEqual([expect.stringMatching(/^master\.key\.old-\d{4}-\d\d-\d\dT[\d-]+Z$/)]);
    const keptPath = join(dataDir, kept[0] as string);
    expect(result.oldKeyFile).toBe(keptPath);
    expect(statSync(keptPath).mode & 0o777).toBe(0o600);
    expect(localKeyId(readFileSync(keptPath))).toBe(oldKeyId);
    rmSync(keptPath);
    await expectAllValuesDecrypt();
  }, 60_000);

  it("an interrupted rotation leaves master.key as it was, and running rotate-key again finishes it", async () => {
    const oldKeyId = keyIdNow();
    await expect(
      rotateLocalKey({
        dataDir,
        afterRewrap: (n) => {
          if (n === 3) throw new Error("simulated crash after 3 re-wrapped keys");
        },
      }),
    ).rejects.toThrow(/simulated crash/);
    expect(keyIdNow()).toBe(oldKeyId);
    expect(existsSync(join(dataDir, "master.key.new"))).toBe(true);
    const resumed = await rotateLocalKey({ dataDir });
    expect(resumed).toMatchObject({ oldKeyId, alreadyRewrapped: 3 });
    expect(resumed.rewrapped).toBeGreaterThan(0);
    expect(keyIdNow()).toBe(resumed.newKeyId);
    expect(extraKeyFiles()).toEqual([]);
    await expectAllValuesDecrypt();
  }, 60_000);

  it("no rotation or restart wrote a plaintext value to the DATA_DIR", () => {
    expect(tally.found(findInDir(dataDir, needles, ["admin-token"]))).toEqual([]);
    expect(tally.serverErrors).toBe(0);
  });
});
