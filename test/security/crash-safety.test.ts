import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ChildServer, startChildServer } from "./support/child-server.ts";
import { findInDir, findInText, type Needle } from "./support/leaks.ts";
import { Tally } from "./support/tally.ts";
import { secretValue } from "./support/world.ts";

const LOOPS = 8;
const LOAD_MS = 1500;
const CYCLES = 2;

interface Ack {
  version: number;
  value: string;
}

/**
 * Issue 9, part 4: `kill -9` the real server (local/main.ts in a child process) while writes are in flight.
 * After a restart on the same DATA_DIR every acknowledged write reads back and decrypts; a write that was in
 * flight either landed whole or not at all, and the next write to that secret succeeds.
 */
describe("security: crash safety under write load", () => {
  const tally = new Tally("crash");
  const dataDir = mkdtempSync(join(tmpdir(), "ss-crash-"));
  const servers: ChildServer[] = [];
  const acked = new Map<string, Ack>();
  const inFlight = new Map<string, string>();
  const attempted: Needle[] = [];
  let admin = "";

  afterAll(async () => {
    tally.print();
    for (const s of servers)
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(url: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    tally.saw(res.status);
    // biome-ignore lint/suspicious/noExplicitAny: JSON of whatever route answered.
    return { status: res.status, body: (await res.json()) as any };
  }

  /** One client: new secrets and updates of its own secret, one write at a time, until the server dies. */
  async function writer(url: string, loop: number, stop: () => boolean) {
    for (let i = 0; !stop(); i++) {
      const name = i % 3 === 2 ? `UPDATED_${loop}` : `CREATED_${loop}_${i}`;
      const value = secretValue(name);
      attempted.push({ label: `value written to ${name}`, text: value });
      inFlight.set(name, value);
      try {
        const res = await call(url, "POST", "/v1/secrets", { name, value, environmentId: "env_crash" });
        if (res.status !== 200 && res.status !== 201) throw new Error(`${name}: ${res.status}`);
        acked.set(name, { version: res.body.data.version, value });
        inFlight.delete(name);
      } catch (e) {
        if (stop()) return; // the connection died with the server: this write was never acknowledged
        throw e;
      }
    }
  }

  /** Every acknowledged write reads back whole; an unacknowledged one landed whole or not at all. */
  async function verify(url: string): Promise<string[]> {
    const list = await call(url, "GET", "/v1/secrets?environmentId=env_crash&limit=1000");
    expect(list.status).toBe(200);
    const current = new Map<string, { version: number; value?: string; error?: unknown }>(
      list.body.data.map((x: { name: string }) => [x.name, x]),
    );
    const problems: string[] = [];
    for (const [name, ack] of acked) {
      const now = current.get(name);
      if (!now || now.error)
        problems.push(`${name}: acknowledged v${ack.version}, now ${JSON.stringify(now)}`);
      else if (now.version === ack.version && now.value !== ack.value)
        problems.push(`${name}: value changed`);
      else if (now.version === ack.version + 1 && now.value !== inFlight.get(name))
        problems.push(`${name}: v${now.version} is not the write that was in flight`);
      else if (now.version < ack.version || now.version > ack.version + 1)
        problems.push(`${name}: acknowledged v${ack.version}, now v${now.version}`);
      // What is there now is what the next round of checks holds it to.
      if (now?.value) acked.set(name, { version: now.version, value: now.value });
    }
    for (const [name, now] of current)
      if (!acked.has(name)) {
        if (now.error || now.value !== inFlight.get(name) || now.version !== 1)
          problems.push(`${name}: unacknowledged write landed as ${JSON.stringify(now)}`);
        else if (now.value) acked.set(name, { version: now.version, value: now.value });
      }
    inFlight.clear();
    return problems;
  }

  it(`every acknowledged write survives kill -9 (${CYCLES} times) and decrypts after restart`, async () => {
    let server = await startChildServer(dataDir);
    servers.push(server);
    admin = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    expect(
      (await call(server.url, "POST", "/v1/environments", { id: "env_crash", name: "crash" })).status,
    ).toBe(201);
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      let killed = false;
      const url = server.url;
      const loops = Array.from({ length: LOOPS }, (_, i) => writer(url, i + cycle * LOOPS, () => killed));
      await new Promise((r) => setTimeout(r, LOAD_MS));
      expect(inFlight.size).toBeGreaterThan(0);
      server.child.kill("SIGKILL");
      killed = true;
      expect(await server.exited).toBe("SIGKILL");
      await Promise.all(loops);
      server = await startChildServer(dataDir);
      servers.push(server);
      expect(await verify(server.url)).toEqual([]);
    }
    expect(acked.size).toBeGreaterThan(LOOPS);

    // A write that was cut off between its two steps blocks nothing: the next write to every name succeeds.
    for (const name of [...acked.keys()].filter((n) => n.startsWith("UPDATED_"))) {
      const value = secretValue(name);
      attempted.push({ label: `value rewritten to ${name}`, text: value });
      const res = await call(server.url, "POST", "/v1/secrets", { name, value, environmentId: "env_crash" });
      expect(res.status, name).toBe(200);
      const versions = await call(server.url, "GET", `/v1/secrets/${res.body.data.id}/versions?limit=1000`);
      const numbers = versions.body.data.map((v: { version: number }) => v.version);
      expect(numbers, `${name} history`).toEqual(numbers.map((_: number, i: number) => numbers.length - i));
    }
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  }, 90_000);

  it("printed no value and no token but the first start's admin token, once; DATA_DIR holds no plaintext", () => {
    const [first, ...later] = servers as [ChildServer, ...ChildServer[]];
    const output = servers.map((s) => s.stdout() + s.stderr()).join("\n");
    expect(tally.found(findInText(output, attempted, "child output"))).toEqual([]);
    // The admin token is shown once, at its creation, and never again.
    expect(first.stderr().split(admin).length - 1).toBe(1);
    expect(first.stdout().includes(admin)).toBe(false);
    expect(later.filter((s) => (s.stdout() + s.stderr()).includes(admin))).toEqual([]);
    expect(first.stdout().split("\n").filter(Boolean).length).toBeGreaterThan(20);
    const needles = [...attempted, { label: "admin token", text: admin }];
    expect(tally.found(findInDir(dataDir, needles, ["admin-token"]))).toEqual([]);
  });
});
