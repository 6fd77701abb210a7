import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalServer } from "../../../local/server.ts";
import { freePort } from "../../support/engines.ts";
import { startTestServer } from "../../support/local-server.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "ss-local-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const quiet = { log: () => undefined, say: () => undefined };

describe("local server", () => {
  it("first start writes the admin token (0600) and the master key (0600); a restart keeps secrets and tokens", async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    expect(first.firstAdminToken).toMatch(/^sst_/);
    expect(first.messages.join("\n")).toContain(first.firstAdminToken);
    expect(statSync(join(dataDir, "admin-token")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, "master.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, "admin-token"), "utf8").trim()).toBe(first.adminToken);
    await first.call("POST", "/v1/environments", {
      token: first.adminToken,
      body: { name: "P", id: "env_persist" },
    });
    await first.call("POST", "/v1/secrets", {
      token: first.adminToken,
      body: { name: "KEEP", value: "kept-value", environmentId: "env_persist" },
    });
    const agent = await first.call("POST", "/v1/tokens", {
      token: first.adminToken,
      body: { name: "a", role: "agent", environmentId: "env_persist" },
    });
    await first.stop({ keepData: true });

    const second = await startTestServer({ dataDir });
    expect(second.firstAdminToken).toBeUndefined();
    const said = second.messages.join("\n");
    expect(said).toContain(join(dataDir, "admin-token"));
    expect(said).not.toContain("sst_");
    const read = await second.call("GET", "/v1/secrets?environmentId=env_persist&name=KEEP", {
      token: agent.body.data.token,
    });
    expect(read.body.data[0].value).toBe("kept-value");
    await second.stop({ keepData: true });
  });

  it("refuses to start when the master key is missing but data exists, world-readable, or mid-rotation", async () => {
    const dataDir = tempDir();
    const s = await startTestServer({ dataDir });
    await s.stop({ keepData: true });
    const key = join(dataDir, "master.key");
    renameSync(key, `${key}.moved`);
    await expect(startLocalServer({ port: 0, host: "127.0.0.1", dataDir, ...quiet })).rejects.toMatchObject({
      name: "StartupError",
      message: expect.stringContaining("master.key"),
    });
    renameSync(`${key}.moved`, key);
    chmodSync(key, 0o644);
    await expect(startLocalServer({ port: 0, host: "127.0.0.1", dataDir, ...quiet })).rejects.toMatchObject({
      message: expect.stringContaining("chmod 600"),
    });
    chmodSync(key, 0o600);
    writeFileSync(join(dataDir, "master.key.new"), Buffer.alloc(32), { mode: 0o600 });
    await expect(startLocalServer({ port: 0, host: "127.0.0.1", dataDir, ...quiet })).rejects.toMatchObject({
      message: expect.stringContaining("rotate-key"),
    });
    rmSync(join(dataDir, "master.key.new"));
    const again = await startLocalServer({ port: 0, host: "127.0.0.1", dataDir, ...quiet });
    await again.close();
  });

  it("refuses a second server on the same DATA_DIR with a clear message, leaving the first serving", async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    try {
      await expect(startLocalServer({ port: 0, host: "127.0.0.1", dataDir, ...quiet })).rejects.toMatchObject(
        {
          name: "StartupError",
          message: expect.stringContaining("another scoped-secrets server"),
        },
      );
      expect((await first.call("GET", "/v1/environments", { token: first.adminToken })).status).toBe(200);
    } finally {
      await first.stop({ keepData: true });
    }
  });

  it("says clearly when the port is taken or DATA_DIR is not writable", async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
    try {
      await expect(
        startLocalServer({ port, host: "127.0.0.1", dataDir: tempDir(), ...quiet }),
      ).rejects.toMatchObject({
        name: "StartupError",
        message: expect.stringContaining(`port ${port}`),
      });
    } finally {
      blocker.close();
    }
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "x");
    await expect(
      startLocalServer({ port: 0, host: "127.0.0.1", dataDir: join(file, "data"), ...quiet }),
    ).rejects.toMatchObject({
      message: expect.stringContaining("is not writable"),
    });
  });

  it("`npm start`'s entry answers /v1/health within seconds and shuts down cleanly on SIGTERM", async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const started = Date.now();
    let healthy = false;
    while (Date.now() - started < 20_000 && !healthy) {
      healthy = await fetch(`http://127.0.0.1:${port}/v1/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy).toBe(true);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain("SIGTERM: shutting down");
    expect(stderr).toContain(`listening on http://127.0.0.1:${port}`);
  });
});
