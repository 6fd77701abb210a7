import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../client/cli/exit-codes.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { cli, countRequests } from "./helpers.ts";

/** `env rename`, `space rename`, `audit`, and token names in `history`, against the real local server. */
let server: TestServer;
const ENV = "ops_env";
const SPACE = "ops_space";
const OTHER_SPACE = "ops_other";
const VALUES = ["ops-value-one-6d1e", "ops-value-two-90ab", "ops-space-value-44c2"];
let operator = "";
let spaceOperator = "";

const run = (args: string[], options?: Parameters<typeof cli>[2]) => cli(server, args, options);

async function token(name: string, body: Record<string, string>): Promise<string> {
  const res = await server.call("POST", "/v1/tokens", { token: server.adminToken, body: { name, ...body } });
  return res.body.data.token as string;
}

beforeAll(async () => {
  server = await startTestServer();
  await run(["env", "create", "Ops", "--id", ENV]);
  await run(["space", "create", "Acme", "-e", ENV, "--id", SPACE]);
  await run(["space", "create", "Other", "-e", ENV, "--id", OTHER_SPACE]);
  operator = await token("ci operator", { role: "operator", environmentId: ENV });
  spaceOperator = await token("acme operator", { role: "operator", environmentId: ENV, spaceId: SPACE });
});
afterAll(() => server?.stop());

describe("env rename and space rename", () => {
  it("renames an environment and a space, keeping their ids", async () => {
    expect(await run(["env", "rename", ENV, "Ops (US)"])).toMatchObject({
      code: 0,
      out: `Renamed environment ${ENV} to "Ops (US)"\n`,
    });
    expect(
      (await server.call("GET", `/v1/environments/${ENV}`, { token: server.adminToken })).body.data,
    ).toMatchObject({ id: ENV, name: "Ops (US)" });

    const space = await run(["--json", "space", "rename", SPACE, "Acme Corp"], { token: operator });
    expect(space.code).toBe(0);
    expect(JSON.parse(space.out)).toMatchObject({ id: SPACE, environmentId: ENV, name: "Acme Corp" });
    const listed = JSON.parse((await run(["--json", "space", "ls", "-e", ENV])).out);
    expect(listed.find((s: { id: string }) => s.id === SPACE).name).toBe("Acme Corp");
  });

  it("fails clearly: unknown ids exit 3, a bad name exits 1 with the server's message, operators may not rename environments", async () => {
    const missing = await run(["env", "rename", "nope_env", "X"]);
    expect(missing).toMatchObject({ code: EXIT.notFound, out: "" });
    expect(missing.err).toContain("nope_env");
    expect((await run(["space", "rename", "nope_space", "X"])).code).toBe(EXIT.notFound);

    const empty = await run(["env", "rename", ENV, ""]);
    expect(empty.code).toBe(EXIT.failed);
    expect(empty.err).toMatch(/^scoped-secrets: .*name/);

    const forbidden = await run(["env", "rename", ENV, "Mine now"], { token: operator });
    expect(forbidden.code).toBe(EXIT.auth);
    // Outside its scope a token learns nothing: the same 404 as a missing space.
    const outside = await run(["space", "rename", OTHER_SPACE, "Mine"], { token: spaceOperator });
    expect(outside.code).toBe(EXIT.notFound);
    expect((await run(["usage-check", "x"])).code).toBe(EXIT.usage);
    expect((await run(["env", "rename", ENV])).code).toBe(EXIT.usage);
  });
});

describe("history with token names", () => {
  it("names the token behind each version and marks deletions and rollbacks", async () => {
    await run(["set", "API_KEY", "-e", ENV], { stdin: VALUES[0] });
    await run(["set", "API_KEY", "-e", ENV], { stdin: VALUES[1], token: operator });
    await run(["rollback", "API_KEY", "1", "-e", ENV], { token: operator });
    await run(["rm", "API_KEY", "-e", ENV]);
    await run(["set", "API_KEY", "-e", ENV], { stdin: VALUES[0] });
    const history = await run(["history", "API_KEY", "-e", ENV], { token: operator });
    expect(history.code).toBe(0);
    const lines = history.out.trim().split("\n");
    expect(lines[0]).toMatch(/^VERSION\s+KIND\s+CREATED\s+BY$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).filter((_, i) => i !== 2))).toEqual([
      ["5", "value", "bootstrap admin"],
      ["4", "deletion", "bootstrap admin"],
      ["3", "rollback to v1", "ci operator"],
      ["2", "value", "ci operator"],
      ["1", "value", "bootstrap admin"],
    ]);
    const json = JSON.parse((await run(["--json", "history", "API_KEY", "-e", ENV])).out);
    expect(json[2]).toMatchObject({ version: 3, kind: "value", rollbackOf: 1, createdByName: "ci operator" });
    for (const v of VALUES) expect(history.out + JSON.stringify(json)).not.toContain(v);
  });
});

describe("audit", () => {
  it("lists an environment's events newest first with token names, never values", async () => {
    const all = await run(["audit", "-e", ENV, "--limit", "1000"]);
    expect(all.code).toBe(0);
    const lines = all.out.trim().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME\s+DETAIL$/);
    expect(lines[1]).toMatch(
      /^\S+ \S+Z\s+bootstrap admin\s+secret\.create\s+secret API_KEY\s+success\s+version 5$/,
    );
    expect(lines[2]).toMatch(/bootstrap admin\s+secret\.delete\s+secret API_KEY\s+success\s+version 4$/);
    expect(all.out).toMatch(
      /ci operator\s+secret\.rollback\s+secret API_KEY\s+success\s+to version 1 as version 3/,
    );
    expect(all.out).toContain("environment.update");
    expect(all.out).toMatch(/space\.update\s+space Acme Corp/);

    const json = JSON.parse((await run(["--json", "audit", "-e", ENV, "--limit", "1000"])).out);
    const times = json.map((e: { at: string }) => e.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(json.length).toBe(lines.length - 1);
    for (const v of VALUES) expect(all.out + JSON.stringify(json)).not.toContain(v);
  });

  it("stops at --limit and says older events exist", async () => {
    const two = await run(["audit", "-e", ENV, "--limit", "2"]);
    expect(two.code).toBe(0);
    expect(two.out.trim().split("\n")).toHaveLength(3);
    expect(two.err).toBe("Showing the newest 2; there are older events (--limit to see more)\n");
    expect((await run(["audit", "-e", ENV, "--limit", "0"])).code).toBe(EXIT.usage);
  });

  it("a space-bound operator sees its space's events only, newest first", async () => {
    await run(["set", "SPACE_KEY", "-e", ENV, "-s", SPACE], { stdin: VALUES[2] });
    await run(["set", "OTHER_KEY", "-e", ENV, "-s", OTHER_SPACE], { stdin: "other-space-value" });
    await run(["set", "OTHER_KEY2", "-e", ENV, "-s", OTHER_SPACE], { stdin: "other-space-value" });
    const before = countRequests(server, "GET", "/v1/audit");
    const mine = await run(["--json", "audit", "--limit", "2"], { token: spaceOperator });
    expect(mine.code).toBe(0);
    const events = JSON.parse(mine.out) as { action: string; target: { spaceId?: string; name?: string } }[];
    expect(events.map((e) => [e.action, e.target.name])).toEqual([
      ["secret.create", "SPACE_KEY"],
      ["space.update", "Acme Corp"],
    ]);
    expect(events.every((e) => e.target.spaceId === SPACE)).toBe(true);
    // Its pages come from its space's own audit partition (SECURITY.md), so the first page is already full.
    expect(countRequests(server, "GET", "/v1/audit") - before).toBeGreaterThanOrEqual(1);
  });

  it("an admin without -e sees events outside any environment; agents may not read the log", async () => {
    await token("second admin", { role: "admin" });
    const outside = await run(["--json", "audit", "--limit", "1000"]);
    expect(outside.code).toBe(0);
    const actions = JSON.parse(outside.out).map((e: { action: string }) => e.action);
    expect(actions).toEqual(["token.create"]);
    expect(JSON.parse(outside.out)[0].target.name).toBe("second admin");
    const agent = await token("ops agent", { role: "agent", environmentId: ENV });
    const refused = await run(["audit", "-e", ENV], { token: agent });
    expect(refused.code).toBe(EXIT.auth);
    expect(refused.err).toContain("may not read the audit log");
  });
});
