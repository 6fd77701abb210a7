import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDotenv, parseDotenv } from "../../client/cli/dotenv.ts";
import { EXIT } from "../../client/cli/exit-codes.ts";
import { isUnsafeName } from "../../client/cli/unsafe-names.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { cli, setSecret } from "./helpers.ts";

let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), "ss-exec-"));

const PEM = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7
q2Zr+/w=
-----END PRIVATE KEY-----
`;
/** Values that break naive .env writers: quotes of both kinds, $, =, #, backslashes, spaces, CRLF, tabs. */
const TRICKY: Record<string, string> = {
  PEM_KEY: PEM,
  SINGLE_QUOTED: "it's 'quoted'",
  DOUBLE_QUOTED: 'say "hi" and \\"escaped\\"',
  BOTH_QUOTES: `'single' and "double" and \`back\``,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} that must survive export and import
  DOLLARS: "pa$$word ${HOME} $(whoami) `id`",
  EQUALS_HASH: "a=b=c # not a comment #tag",
  SPACES: "  padded value  ",
  CRLF_TABS: "line1\r\nline2\tend\\n",
  PLAIN: "simple-value_1.2:3@x",
};

beforeAll(async () => {
  server = await startTestServer();
  for (const id of ["src_env", "dst_env", "x_env"])
    await server.call("POST", "/v1/environments", { token: server.adminToken, body: { name: id, id } });
  await server.call("POST", "/v1/spaces", {
    token: server.adminToken,
    body: { environmentId: "x_env", name: "s", id: "x_space" },
  });
  for (const [name, value] of Object.entries(TRICKY)) await setSecret(server, name, value, "src_env");
  await setSecret(server, "GREETING", "hello from env", "x_env");
  await setSecret(server, "GREETING", "hello from space", "x_env", "x_space");
  await setSecret(server, "OTHER", "other value", "x_env");
  await setSecret(server, "LD_PRELOAD", "/tmp/evil.so", "x_env");
});
afterAll(() => server?.stop());

const run = (args: string[], options?: Parameters<typeof cli>[2]) => cli(server, args, options);
const node = (code: string) => [process.execPath, "-e", code];

describe("exec", () => {
  it("injects the effective secrets and passes the exit code through", async () => {
    const r = await run([
      "exec",
      "-e",
      "x_env",
      "-s",
      "x_space",
      "--only",
      "GREETING,OTHER",
      "--",
      ...node(
        "console.log(JSON.stringify({g: process.env.GREETING, o: process.env.OTHER, t: process.env.SCOPED_SECRETS_TOKEN ?? null})); process.exit(7)",
      ),
    ]);
    expect(r.code).toBe(7);
    expect(JSON.parse(r.out)).toEqual({ g: "hello from space", o: "other value", t: null });
    expect(
      (await run(["exec", "-e", "x_env", "--only", "OTHER", "--", ...node("process.exit(0)")])).code,
    ).toBe(0);
  });

  it("injects only the names given with --only", async () => {
    const r = await run([
      "exec",
      "-e",
      "x_env",
      "--only",
      "OTHER",
      "--",
      ...node(
        "console.log(JSON.stringify([process.env.OTHER, process.env.GREETING ?? null, process.env.LD_PRELOAD ?? null]))",
      ),
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(["other value", null, null]);
    const missing = await run(["exec", "-e", "x_env", "--only", "OTHER,NOPE", "--", "true"]);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.err).toContain("not found in environment x_env: NOPE");
  });

  it("withholds names that change how a process runs, unless named with --only and --allow-unsafe-names", async () => {
    const withheld = await run([
      "exec",
      "-e",
      "x_env",
      "--",
      ...node("process.stdout.write(process.env.LD_PRELOAD ?? 'none')"),
    ]);
    expect(withheld.code).toBe(0);
    expect(withheld.out).toBe("none");
    expect(withheld.err).toContain("withheld LD_PRELOAD: dynamic loader");
    const allowed = await run([
      "exec",
      "-e",
      "x_env",
      "--only",
      "LD_PRELOAD",
      "--allow-unsafe-names",
      "--",
      "sh",
      "-c",
      'test "$LD_PRELOAD" = /tmp/evil.so',
    ]);
    // The loader complains about the missing library on stderr but the shell still runs.
    expect(allowed.code).toBe(0);
    for (const name of [
      "PATH",
      "path",
      "LD_LIBRARY_PATH",
      "NODE_OPTIONS",
      "DYLD_INSERT_LIBRARIES",
      "BASH_ENV",
      "PYTHONPATH",
    ])
      expect(isUnsafeName(name)).toBe(true);
    for (const name of ["SLACK_TOKEN", "DATABASE_URL", "MY_PATH", "NODE_ENV"])
      expect(isUnsafeName(name)).toBe(false);
  });

  it("needs -- before the command, and reports a missing command", async () => {
    const noDashes = await run(["exec", "-e", "x_env", "--only", "OTHER", "true"]);
    expect(noDashes.code).toBe(EXIT.usage);
    expect(noDashes.err).toContain("put -- before the command");
    const notFound = await run(["exec", "-e", "x_env", "--only", "OTHER", "--", "no-such-command-xyz"]);
    expect(notFound.code).toBe(127);
    expect(notFound.err).toContain("command not found: no-such-command-xyz");
  });
});

describe("import and export", () => {
  it("round-trips PEM keys, quotes, $, = and # through dotenv", async () => {
    const exported = await run(["export", "-e", "src_env"]);
    expect(exported.code).toBe(0);
    writeFileSync(join(dir, "src.env"), exported.out);
    const imported = await run(["import", join(dir, "src.env"), "-e", "dst_env"]);
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.out).toContain(`Imported ${Object.keys(TRICKY).length} secrets into environment dst_env`);
    const copied = JSON.parse((await run(["export", "-e", "dst_env", "--format", "json"])).out);
    expect(copied).toEqual(TRICKY);
  });

  it("round-trips through JSON, to a 0600 file", async () => {
    const file = join(dir, "src.json");
    expect((await run(["export", "-e", "src_env", "--format", "json", "-o", file])).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(TRICKY);
    expect((await run(["import", file, "-e", "x_env", "-s", "x_space"])).code).toBe(0);
    expect((await run(["get", "PEM_KEY", "-e", "x_env", "-s", "x_space"])).out).toBe(PEM);
  });

  it("reads a hand-written .env file the way people write them", async () => {
    const text = [
      "# comment",
      "export HAND_A=plain value # trailing comment",
      "HAND_B = 'single $literal'",
      'HAND_C="multi',
      'line\\twith \\"escapes\\""',
      "HAND_D=`back tick`",
      "",
    ].join("\r\n");
    expect(parseDotenv(text)).toEqual([
      { name: "HAND_A", value: "plain value", line: 2 },
      { name: "HAND_B", value: "single $literal", line: 3 },
      { name: "HAND_C", value: 'multi\nline\twith "escapes"', line: 4 },
      { name: "HAND_D", value: "back tick", line: 6 },
    ]);
    for (const [name, value] of Object.entries(TRICKY))
      expect(parseDotenv(formatDotenv([{ name, value }]))).toEqual([{ name, value, line: 1 }]);
  });

  it("checks the whole file before writing anything", async () => {
    writeFileSync(join(dir, "bad.env"), "GOOD_ONE=1\n9BAD=2\n");
    const bad = await run(["import", join(dir, "bad.env"), "-e", "x_env"]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain("line 2: 9BAD is not a valid secret name");
    writeFileSync(join(dir, "dup.env"), "DUP=1\nDUP=2\n");
    expect((await run(["import", join(dir, "dup.env"), "-e", "x_env"])).err).toContain(
      "DUP appears twice (line 1 and line 2)",
    );
    writeFileSync(join(dir, "open.env"), "OPEN='never closed\n");
    expect((await run(["import", join(dir, "open.env"), "-e", "x_env"])).err).toContain(
      "the ' quote is never closed",
    );
    const secretish = "s3cr3t-in-broken-json";
    writeFileSync(join(dir, "broken.json"), `{"A": ${secretish}}`);
    const broken = await run(["import", join(dir, "broken.json"), "-e", "x_env"]);
    expect(broken.err).toContain("is not valid JSON");
    expect(broken.err).not.toContain(secretish);
    expect((await run(["get", "GOOD_ONE", "-e", "x_env"])).code).toBe(EXIT.notFound);
  });

  it("imports from stdin", async () => {
    const r = await run(["import", "-", "-e", "x_env", "--json"], { stdin: "FROM_STDIN='a b'\n" });
    expect(JSON.parse(r.out)).toEqual({ created: ["FROM_STDIN"], updated: [] });
    expect((await run(["get", "FROM_STDIN", "-e", "x_env"])).out).toBe("a b");
  });
});
