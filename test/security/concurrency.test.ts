import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { findInDir, findInTable, findInText, type Needle } from "./support/leaks.ts";
import { Tally } from "./support/tally.ts";
import { type Call, counted, createToken } from "./support/world.ts";

const WRITERS = 50;

/** A value that proves itself whole: random bytes, then a digest of them. A torn or mixed value fails. */
function sealedValue(label: string): string {
  const body = `${label}:${randomBytes(600).toString("base64url")}`;
  return `${body}:${createHash("sha256").update(body).digest("hex").slice(0, 32)}`;
}
const isWhole = (value: unknown): boolean => {
  if (typeof value !== "string") return false;
  const cut = value.lastIndexOf(":");
  return createHash("sha256").update(value.slice(0, cut)).digest("hex").slice(0, 32) === value.slice(cut + 1);
};

/**
 * Issue 9, part 2: 50 parallel writers on one secret over HTTP. With expectedVersion (or If-Match) exactly one
 * writer wins each version, versions stay contiguous and the final value is the last successful write; reads
 * that run alongside only ever see a whole value that somebody wrote.
 */
describe("security: concurrent writers and readers on one secret", () => {
  const tally = new Tally("concurrency");
  let s: TestServer;
  let call: Call;
  let operator: string;
  let agent: string;
  let envAgent: string;
  const written = new Set<string>();
  const readProblems: string[] = [];
  let reads = 0;

  beforeAll(async () => {
    s = await startTestServer({ webDir: "/nonexistent" });
    call = counted(s, tally);
    await call("POST", "/v1/environments", { token: s.adminToken, body: { id: "env_c", name: "c" } });
    await call("POST", "/v1/spaces", {
      token: s.adminToken,
      body: { environmentId: "env_c", id: "spc_c", name: "c" },
    });
    operator = (
      await createToken(call, s.adminToken, { label: "writer", role: "operator", environmentId: "env_c" })
    ).token;
    agent = (
      await createToken(call, s.adminToken, {
        label: "reader",
        role: "agent",
        environmentId: "env_c",
        spaceId: "spc_c",
      })
    ).token;
    envAgent = (
      await createToken(call, s.adminToken, { label: "reader", role: "agent", environmentId: "env_c" })
    ).token;
  });

  afterAll(async () => {
    tally.print();
    await s?.stop();
  });

  /** Agents reading the secret three ways until `done` settles; every answer must be a whole, written value. */
  async function readAlong(name: string, id: string, done: Promise<unknown>) {
    let stop = false;
    const settle = () => {
      stop = true;
    };
    done.then(settle, settle);
    const reads3 = [
      { path: `/v1/secrets?environmentId=env_c&spaceId=spc_c&name=${name}`, token: agent },
      { path: "/v1/secrets?environmentId=env_c&spaceId=spc_c", token: agent },
      { path: `/v1/secrets/${id}`, token: envAgent },
    ];
    const reader = async () => {
      while (!stop) {
        for (const { path, token } of reads3) {
          const res = await call("GET", path, { token });
          reads++;
          const data = res.body?.data;
          const item = Array.isArray(data) ? data.find((x: { name: string }) => x.name === name) : data;
          if (res.status !== 200 || !item || item.error || !isWhole(item.value) || !written.has(item.value))
            readProblems.push(`${path}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all([reader(), reader(), reader()]);
  }

  async function write(name: string, value: string, writer: number, expected?: number) {
    written.add(value);
    // Half the writers send the precondition as If-Match, half as expectedVersion: both are compare-and-set.
    const ifMatch = expected !== undefined && writer % 2 === 0;
    return call("POST", "/v1/secrets", {
      token: operator,
      body: {
        name,
        value,
        environmentId: "env_c",
        ...(expected !== undefined && !ifMatch ? { expectedVersion: expected } : {}),
      },
      headers: ifMatch ? { "if-match": `"${expected}"` } : {},
    });
  }

  async function currentVersion(name: string): Promise<number> {
    const res = await call("GET", `/v1/secrets?environmentId=env_c&name=${name}`, { token: operator });
    return res.body.data[0].version;
  }

  async function history(id: string): Promise<number[]> {
    const res = await call("GET", `/v1/secrets/${id}/versions?limit=1000`, { token: operator });
    return res.body.data.map((v: { version: number; kind: string }) => (v.kind === "value" ? v.version : -1));
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it(`${WRITERS} writers with the same expectedVersion: exactly one wins, the rest get 412`, async () => {
    const first = await write("CAS_ONCE", sealedValue("initial"), 1);
    expect(first.status).toBe(201);
    const values = range(1, WRITERS).map((i) => sealedValue(`w${i}`));
    const answers = await Promise.all(values.map((v, i) => write("CAS_ONCE", v, i, 1)));
    const wins = answers.filter((a) => a.status === 200);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 412)).toEqual([]);
    expect(wins).toHaveLength(1);
    expect(wins[0]?.body.data.version).toBe(2);
    const loser = answers.find((a) => a.status === 412);
    expect(loser?.body.errors[0]).toMatchObject({
      key: "expectedVersion",
      message: expect.stringMatching(/expected version 1 but it is at version 2/),
    });
    const winner = values[answers.indexOf(wins[0] as (typeof answers)[number])];
    const read = await call("GET", "/v1/secrets?environmentId=env_c&name=CAS_ONCE", { token: envAgent });
    expect(read.body.data[0].value).toBe(winner);
    expect(await history(first.body.data.id)).toEqual([2, 1]);
  });

  it(`${WRITERS} compare-and-set writers until each has won once: contiguous versions, last write stands`, async () => {
    const created = await write("CAS_LOOP", sealedValue("initial"), 1);
    const id = created.body.data.id as string;
    const wins: Array<{ version: number; value: string }> = [];
    let conflicts = 0;
    const writer = async (i: number) => {
      for (let attempt = 0; attempt < 500; attempt++) {
        const value = sealedValue(`w${i}.${attempt}`);
        const res = await write("CAS_LOOP", value, i, await currentVersion("CAS_LOOP"));
        if (res.status === 200) return wins.push({ version: res.body.data.version, value });
        if (res.status !== 412) throw new Error(`writer ${i}: ${res.status} ${res.text}`);
        conflicts++;
      }
      throw new Error(`writer ${i} never won`);
    };
    const done = Promise.all(range(1, WRITERS).map(writer));
    await Promise.all([done, readAlong("CAS_LOOP", id, done)]);

    expect(wins.map((w) => w.version).sort((a, b) => a - b)).toEqual(range(2, WRITERS + 1));
    expect(conflicts).toBeGreaterThan(0);
    const last = wins.reduce((a, b) => (a.version > b.version ? a : b));
    const final = await call("GET", `/v1/secrets/${id}`, { token: s.adminToken });
    expect(final.body.data).toMatchObject({ version: WRITERS + 1, value: last.value });
    expect(await history(id)).toEqual(range(1, WRITERS + 1).reverse());
    expect(readProblems).toEqual([]);
    expect(reads).toBeGreaterThan(10);
  }, 60_000);

  it(`${WRITERS} blind writers at once: every write lands on its own version, none is lost`, async () => {
    const created = await write("BLIND", sealedValue("initial"), 1);
    const id = created.body.data.id as string;
    const values = range(1, WRITERS).map((i) => sealedValue(`b${i}`));
    const all = Promise.all(values.map((v, i) => write("BLIND", v, i)));
    const [answers] = await Promise.all([all, readAlong("BLIND", id, all)]);
    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    const versions = answers.map((a) => a.body.data.version as number);
    expect([...versions].sort((a, b) => a - b)).toEqual(range(2, WRITERS + 1));
    const lastValue = values[versions.indexOf(WRITERS + 1)];
    const final = await call("GET", `/v1/secrets/${id}`, { token: s.adminToken });
    expect(final.body.data).toMatchObject({ version: WRITERS + 1, value: lastValue });
    expect(await history(id)).toEqual(range(1, WRITERS + 1).reverse());
    expect(readProblems).toEqual([]);
  }, 60_000);

  it("saw no 5xx and left no value or token in logs, DATA_DIR files or the raw table", async () => {
    expect(tally.serverErrors).toBe(0);
    const needles: Needle[] = [
      ...[...written].map((v, i) => ({ label: `written value ${i}`, text: v })),
      { label: "operator token", text: operator },
      { label: "agent token", text: agent },
    ];
    const findings = [
      ...findInText(JSON.stringify(s.logs), needles, "request log"),
      ...findInDir(s.dataDir, needles, ["admin-token"]),
      ...(await findInTable(s.dynamo, s.dynamo.table, needles)),
    ];
    expect(tally.found(findings)).toEqual([]);
  });
});
