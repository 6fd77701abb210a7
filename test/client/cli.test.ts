import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../client/cli/exit-codes.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { cli } from "./helpers.ts";

let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), "ss-cli-"));

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

const run = (args: string[], options?: Parameters<typeof cli>[2]) => cli(server, args, options);

describe("scopes and tokens", () => {
  it("creates, lists and removes environments and spaces", async () => {
    expect(await run(["env", "create", "Production", "--id", "cli_env"])).toMatchObject({
      code: 0,
      out: "Created environment cli_env (Production)\n",
    });
    const spaceCreated = await run(["space", "create", "Acme", "-e", "cli_env", "--id", "cli_space"]);
    expect(spaceCreated.code).toBe(0);
    const envs = await run(["env", "ls"]);
    expect(envs.out).toMatch(/^ID\s+NAME\s+CREATED\ncli_env\s+Production\s+\d{4}-/);
    const spaces = await run(["--json", "space", "ls", "-e", "cli_env"]);
    expect(JSON.parse(spaces.out).map((s: { id: string }) => s.id)).toEqual(["cli_space"]);

    await run(["env", "create", "Doomed", "--id", "doomed_env"]);
    expect((await run(["env", "rm", "doomed_env"])).code).toBe(0);
    expect((await run(["env", "ls", "--json"])).out).not.toContain("doomed_env");
    // Not empty: a clear conflict, exit 1.
    const busy = await run(["env", "rm", "cli_env"]);
    expect(busy.code).toBe(EXIT.failed);
    expect(busy.err).toMatch(/^scoped-secrets: .*space/);
  });

  it("prints a created token alone on stdout, lists tokens without it, revokes it", async () => {
    const created = await run(["token", "create", "--name", "ci", "--role", "agent", "-e", "cli_env"]);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^sst_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toContain("agent token tok_");
    const listed = await run(["token", "ls"]);
    expect(listed.out).toContain("ci");
    expect(listed.out).not.toContain(token);
    const id = /agent token (tok_\w+)/.exec(created.err)?.[1] as string;
    expect((await run(["token", "rm", id])).code).toBe(0);
    const refused = await run(["ls", "-e", "cli_env"], { token });
    expect(refused.code).toBe(EXIT.auth);
    expect(refused.err).toContain("unknown, revoked or expired");
    expect(refused.err).not.toContain(token);
  });
});

describe("secrets", () => {
  it("sets from stdin and from a file, never from the command line", async () => {
    expect(await run(["set", "SLACK_TOKEN", "-e", "cli_env"], { stdin: "xoxb-env\n" })).toMatchObject({
      code: 0,
      out: "Created SLACK_TOKEN in environment cli_env (version 1)\n",
    });
    const pem = "-----BEGIN KEY-----\nabc\n-----END KEY-----\n";
    writeFileSync(join(dir, "key.pem"), pem);
    expect((await run(["set", "KEY", "-e", "cli_env", "--from-file", join(dir, "key.pem")])).code).toBe(0);
    const got = await run(["get", "KEY", "-e", "cli_env"]);
    expect(got.out).toBe(pem);
    // stdin drops exactly one trailing newline.
    expect((await run(["get", "SLACK_TOKEN", "-e", "cli_env"])).out).toBe("xoxb-env");
    const onCommandLine = await run(["set", "SLACK_TOKEN", "xoxb-oops", "-e", "cli_env"]);
    expect(onCommandLine.code).toBe(EXIT.usage);
    const empty = await run(["set", "EMPTY", "-e", "cli_env"], { stdin: "" });
    expect(empty).toMatchObject({ code: EXIT.usage });
    expect(empty.err).toContain("the value is empty");
  });

  it("lists effective secrets with values hidden unless --reveal", async () => {
    await run(["set", "SLACK_TOKEN", "-e", "cli_env", "-s", "cli_space"], { stdin: "xoxb-space" });
    const hidden = await run(["ls", "-e", "cli_env", "-s", "cli_space"]);
    expect(hidden.code).toBe(0);
    expect(hidden.out).toMatch(/KEY\s+inherited\s+1/);
    expect(hidden.out).toMatch(/SLACK_TOKEN\s+space \(override\)\s+1/);
    expect(hidden.out).not.toContain("xoxb");
    const revealed = await run(["ls", "-e", "cli_env", "-s", "cli_space", "--reveal"]);
    expect(revealed.out).toContain('"xoxb-space"');
    const json = JSON.parse((await run(["ls", "-e", "cli_env", "--json"])).out);
    expect(json.map((s: { name: string; value?: string }) => [s.name, s.value])).toEqual([
      ["KEY", undefined],
      ["SLACK_TOKEN", undefined],
    ]);
  });

  it("hides values from a role that may not read them, even with --reveal", async () => {
    const operator = (
      await run(["token", "create", "--name", "op", "--role", "operator", "-e", "cli_env"])
    ).out.trim();
    const ls = await run(["ls", "-e", "cli_env", "--reveal"], { token: operator });
    expect(ls.code).toBe(0);
    expect(ls.err).toContain("may not read values");
    expect(ls.out).not.toContain("xoxb");
    const get = await run(["get", "SLACK_TOKEN", "-e", "cli_env"], { token: operator });
    expect(get.code).toBe(EXIT.auth);
    expect(get.out).toBe("");
  });

  it("shows history, rolls back and removes an override", async () => {
    await run(["set", "SLACK_TOKEN", "-e", "cli_env"], { stdin: "xoxb-env-2" });
    const history = await run(["history", "SLACK_TOKEN", "-e", "cli_env"]);
    expect(history.out).toMatch(/VERSION\s+KIND[\s\S]*\n2\s+value[\s\S]*\n1\s+value/);
    expect(await run(["rollback", "SLACK_TOKEN", "1", "-e", "cli_env"])).toMatchObject({
      code: 0,
      out: "Rolled SLACK_TOKEN back to version 1's value, as version 3\n",
    });
    expect((await run(["get", "SLACK_TOKEN", "-e", "cli_env"])).out).toBe("xoxb-env");

    expect((await run(["rm", "SLACK_TOKEN", "-e", "cli_env", "-s", "cli_space"])).code).toBe(0);
    expect((await run(["get", "SLACK_TOKEN", "-e", "cli_env", "-s", "cli_space"])).out).toBe("xoxb-env");
    const inherited = await run(["rm", "SLACK_TOKEN", "-e", "cli_env", "-s", "cli_space"]);
    expect(inherited.code).toBe(EXIT.notFound);
    expect(inherited.err).toContain("inherits the value of environment cli_env");
  });
});

describe("errors and exit codes", () => {
  it("exits 3 with the secret and scope named when a secret is missing", async () => {
    const r = await run(["get", "NOPE", "-e", "cli_env", "-s", "cli_space"]);
    expect(r).toMatchObject({ code: EXIT.notFound, out: "" });
    expect(r.err).toBe("scoped-secrets: secret NOPE not found in space cli_space of environment cli_env\n");
  });

  it("exits 4 for a bad token, without printing it", async () => {
    const bad = `sst_${"b".repeat(43)}`;
    const r = await run(["ls", "-e", "cli_env"], { token: bad });
    expect(r.code).toBe(EXIT.auth);
    expect(r.err).toContain("unknown, revoked or expired");
    expect(r.err).not.toContain(bad);
  });

  it("exits 5 when the server is down", async () => {
    const r = await cli({ url: "http://127.0.0.1:9", adminToken: "sst_x" }, ["ls", "-e", "cli_env"]);
    expect(r.code).toBe(EXIT.unavailable);
    expect(r.err).toContain("could not reach scoped-secrets at http://127.0.0.1:9");
  });

  it("exits 2 on usage errors and shows help on --help", async () => {
    const missing = await run(["get", "X"]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain("required option '-e, --environment <id>' not specified");
    expect((await run(["frobnicate"])).code).toBe(EXIT.usage);
    const help = await run(["exec", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("--allow-unsafe-names");
    expect(help.out).toContain("Examples:");
  });

  it("prints errors as JSON with --json", async () => {
    const r = await run(["--json", "get", "NOPE", "-e", "cli_env"]);
    expect(r.code).toBe(EXIT.notFound);
    expect(JSON.parse(r.err).error).toMatchObject({ status: 404, code: "not_found", exitCode: 3 });
  });
});

describe("configuration", () => {
  it("uses DATA_DIR/admin-token for a local server when no token is set", async () => {
    const r = await run(["env", "ls", "--json"], {
      env: { SCOPED_SECRETS_TOKEN: undefined, DATA_DIR: server.dataDir },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).map((e: { id: string }) => e.id)).toContain("cli_env");
  });

  it("never sends the local admin token to another host", async () => {
    const r = await run(["env", "ls"], {
      env: {
        SCOPED_SECRETS_TOKEN: undefined,
        DATA_DIR: server.dataDir,
        SCOPED_SECRETS_URL: "https://secrets.example.com",
      },
    });
    expect(r.code).toBe(EXIT.auth);
    expect(r.err).toContain("no token: set SCOPED_SECRETS_TOKEN");
  });

  it("says where it looked when there is no token at all", async () => {
    const r = await run(["env", "ls"], {
      env: { SCOPED_SECRETS_TOKEN: undefined, DATA_DIR: join(dir, "none") },
    });
    expect(r.code).toBe(EXIT.auth);
    expect(r.err).toContain(join(dir, "none", "admin-token"));
  });

  it("takes --url before or after the command", async () => {
    const r = await run(["env", "ls", "--json", "--url", server.url], {
      env: { SCOPED_SECRETS_URL: "http://127.0.0.1:9" },
    });
    expect(r.code).toBe(0);
    const bad = await run(["--url", "ftp://x", "env", "ls"]);
    expect(bad.code).toBe(EXIT.usage);
  });
});
