import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planEnv } from "../../client/cli/env-policy.ts";
import { EXIT } from "../../client/cli/exit-codes.ts";
import { unsafeReason } from "../../client/cli/unsafe-names.ts";
import type { Secret } from "../../client/index.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { cli, setSecret } from "./helpers.ts";

/**
 * exec's environment policy (issue 13, finding 2): an operator may write values but never read them,
 * so a secret must not be able to make the agent's child run code. Refused families are withheld by
 * default, a variable the parent has is not replaced unless --override, and an allowlist narrows it
 * further. The child never receives a withheld name; stderr names it and says why, never its value.
 */

/** One representative (or the very name the review found) per refused family. */
const REFUSED: Record<string, string> = {
  GIT_CONFIG_COUNT: "git",
  GIT_CONFIG_KEY_0: "git",
  GIT_CONFIG_VALUE_0: "git",
  GIT_CONFIG_PARAMETERS: "git",
  GIT_ASKPASS: "git",
  GIT_PAGER: "git",
  GIT_EXTERNAL_DIFF: "git",
  GIT_PROXY_COMMAND: "git",
  GIT_SSH_COMMAND: "git",
  NPM_CONFIG_USERCONFIG: "package managers",
  npm_config_script_shell: "package managers",
  YARN_RC_FILENAME: "package managers",
  NODE_OPTIONS: "Node.js",
  NODE_REPL_EXTERNAL_MODULE: "Node.js",
  NODE_EXTRA_CA_CERTS: "Node.js",
  PYTHONWARNINGS: "Python",
  PYTHONSTARTUP: "Python",
  PIP_INDEX_URL: "Python",
  LD_PRELOAD: "dynamic loader",
  LD_LIBRARY_PATH: "dynamic loader",
  DYLD_INSERT_LIBRARIES: "dynamic loader",
  GLIBC_TUNABLES: "dynamic loader",
  HTTPS_PROXY: "proxies",
  http_proxy: "proxies",
  ALL_PROXY: "proxies",
  NO_PROXY: "proxies",
  PERL5OPT: "interpreters",
  RUBYOPT: "interpreters",
  PHPRC: "interpreters",
  JAVA_TOOL_OPTIONS: "JVM",
  _JAVA_OPTIONS: "JVM",
  JDK_JAVA_OPTIONS: "JVM",
  BASH_ENV: "shell",
  ENV: "shell",
  ZDOTDIR: "shell",
  HOME: "shell",
  PATH: "shell",
  SHELL: "shell",
  IFS: "shell",
  PROMPT_COMMAND: "shell",
  PS4: "shell",
  TMPDIR: "shell",
  XDG_CONFIG_HOME: "shell",
  PAGER: "pagers",
  MANPAGER: "pagers",
  FCEDIT: "pagers",
  EDITOR: "pagers",
  VISUAL: "pagers",
  GIT_EDITOR: "git",
  LESSOPEN: "pagers",
  LESSCLOSE: "pagers",
  SSH_ASKPASS: "pagers",
  SUDO_ASKPASS: "pagers",
  BROWSER: "pagers",
  GOFLAGS: "build tools",
  RUSTC_WRAPPER: "build tools",
  KUBECONFIG: "proxies and client config",
  AWS_CONFIG_FILE: "proxies and client config",
  OPENSSL_CONF: "TLS",
  SSL_CERT_FILE: "TLS",
  SCOPED_SECRETS_URL: "scoped-secrets",
};

/** Names that configure a program and must keep working. */
const ORDINARY = [
  "SLACK_TOKEN",
  "DATABASE_URL",
  "NODE_ENV",
  "GITHUB_TOKEN",
  "NPM_TOKEN",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "SSH_PRIVATE_KEY",
  "DOCKER_PASSWORD",
  "OPENAI_API_KEY",
  "MY_PATH",
  "HOMEPAGE_URL",
];

let server: TestServer;
const cwd = mkdtempSync(join(tmpdir(), "ss-policy-"));
const secretValue = (name: string) => `value-of-${name}-7f3a`;

beforeAll(async () => {
  server = await startTestServer();
  for (const id of ["pol_env", "allow_env", "parent_env"])
    await server.call("POST", "/v1/environments", { token: server.adminToken, body: { name: id, id } });
  for (const name of [...Object.keys(REFUSED), ...ORDINARY])
    await setSecret(server, name, secretValue(name), "pol_env");
  for (const name of ["OK_ONE", "PREFIX_A", "PREFIX_B", "OTHER_B", "GIT_SSH_COMMAND", "GIT_PAGER"])
    await setSecret(server, name, secretValue(name), "allow_env");
  await setSecret(server, "ALREADY_SET", secretValue("ALREADY_SET"), "parent_env");
  await setSecret(server, "NOT_SET", secretValue("NOT_SET"), "parent_env");
});
afterAll(() => server?.stop());

const run = (args: string[], options?: Parameters<typeof cli>[2]) => cli(server, args, { cwd, ...options });
/** A child that prints what it received for these names. */
const printEnv = (names: string[]) => [
  process.execPath,
  "-e",
  `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, process.env[n] ?? null]))))`,
];

describe("refused families", () => {
  it("every family is refused by name and reason; ordinary names are not", () => {
    for (const [name, family] of Object.entries(REFUSED)) {
      expect(unsafeReason(name), name).toBeDefined();
      expect(unsafeReason(name), name).toContain(family);
    }
    for (const name of ORDINARY) expect(unsafeReason(name), name).toBeUndefined();
  });

  it("the child receives none of them, the ordinary ones arrive, and stderr names each withheld one without its value", async () => {
    const names = [...Object.keys(REFUSED), ...ORDINARY];
    const r = await run(["exec", "-e", "pol_env", "--", ...printEnv(names)], {
      env: { HOME: "/home/parent", PATH: process.env.PATH },
    });
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out) as Record<string, string | null>;
    for (const name of Object.keys(REFUSED)) expect(got[name], name).not.toBe(secretValue(name));
    // The parent's own PATH and HOME are kept, not replaced by the secrets.
    expect(got.PATH).toBe(process.env.PATH);
    expect(got.HOME).toBe("/home/parent");
    for (const name of ORDINARY) expect(got[name], name).toBe(secretValue(name));
    const withheld = r.err.split("\n").filter((l) => l.startsWith("scoped-secrets exec: withheld "));
    expect(withheld.length).toBeGreaterThan(5);
    const named = withheld.flatMap((l) => (/withheld ([^:]+):/.exec(l)?.[1] ?? "").split(", "));
    expect(named.sort()).toEqual(Object.keys(REFUSED).sort());
    expect(r.err).toContain("name it in --only (or the allow file) and add --allow-unsafe-names");
    for (const name of names) expect(r.err).not.toContain(secretValue(name));
  });

  it("--only with a refused name fails before running anything, unless --allow-unsafe-names", async () => {
    const refused = await run(["exec", "-e", "pol_env", "--only", "GIT_PAGER,SLACK_TOKEN", "--", "true"]);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.err).toContain("--only names GIT_PAGER: git: its variables can run commands");
    const allowed = await run([
      "exec",
      "-e",
      "pol_env",
      "--only",
      "GIT_PAGER,SLACK_TOKEN",
      "--allow-unsafe-names",
      "--",
      ...printEnv(["GIT_PAGER", "SLACK_TOKEN", "GIT_ASKPASS"]),
    ]);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.out)).toEqual({
      GIT_PAGER: secretValue("GIT_PAGER"),
      SLACK_TOKEN: secretValue("SLACK_TOKEN"),
      GIT_ASKPASS: null,
    });
  });

  it("--allow-unsafe-names alone (no list of names) is refused", async () => {
    const r = await run(["exec", "-e", "pol_env", "--allow-unsafe-names", "--", "true"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain("--allow-unsafe-names only passes names you list");
  });
});

describe("variables the parent already has", () => {
  it("are kept unless --override", async () => {
    const env = { ALREADY_SET: "from-the-parent" };
    const kept = await run(["exec", "-e", "parent_env", "--", ...printEnv(["ALREADY_SET", "NOT_SET"])], {
      env,
    });
    expect(JSON.parse(kept.out)).toEqual({ ALREADY_SET: "from-the-parent", NOT_SET: secretValue("NOT_SET") });
    expect(kept.err).toContain(
      "scoped-secrets exec: withheld ALREADY_SET: already set in this environment (--override replaces it)",
    );
    const replaced = await run(
      ["exec", "-e", "parent_env", "--override", "--", ...printEnv(["ALREADY_SET", "NOT_SET"])],
      { env },
    );
    expect(JSON.parse(replaced.out)).toEqual({
      ALREADY_SET: secretValue("ALREADY_SET"),
      NOT_SET: secretValue("NOT_SET"),
    });
    expect(replaced.err).toBe("");
  });

  it("compare without case on Windows", () => {
    const secret = { name: "Api_Key", value: "v", id: "sec_1", version: 1 } as Secret;
    const parentEnv = { API_KEY: "parent" };
    expect(
      planEnv([secret], { parentEnv, override: false, allowUnsafe: false, platform: "win32" }).withheld,
    ).toHaveLength(1);
    expect(
      planEnv([secret], { parentEnv, override: false, allowUnsafe: false, platform: "linux" }).withheld,
    ).toHaveLength(0);
  });
});

describe("allowlist", () => {
  const allowDir = mkdtempSync(join(tmpdir(), "ss-allow-"));
  writeFileSync(
    join(allowDir, ".scoped-secrets-allow"),
    "# what worker.js may see\nOK_ONE\nPREFIX_*\nGIT_SSH_COMMAND\nGIT_*\n",
  );
  const names = ["OK_ONE", "PREFIX_A", "PREFIX_B", "OTHER_B", "GIT_SSH_COMMAND", "GIT_PAGER"];

  it("./.scoped-secrets-allow passes only the names and prefixes it lists", async () => {
    const r = await run(["exec", "-e", "allow_env", "--", ...printEnv(names)], { cwd: allowDir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      OK_ONE: secretValue("OK_ONE"),
      PREFIX_A: secretValue("PREFIX_A"),
      PREFIX_B: secretValue("PREFIX_B"),
      OTHER_B: null,
      GIT_SSH_COMMAND: null,
      GIT_PAGER: null,
    });
    expect(r.err).toContain("withheld OTHER_B: not in .scoped-secrets-allow (add it to that file)");
    expect(r.err).toContain("withheld GIT_PAGER, GIT_SSH_COMMAND: git");
  });

  it("with --allow-unsafe-names, a refused name passes only when the file lists it exactly (never by a prefix)", async () => {
    const r = await run(["exec", "-e", "allow_env", "--allow-unsafe-names", "--", ...printEnv(names)], {
      cwd: allowDir,
    });
    const got = JSON.parse(r.out);
    expect(got.GIT_SSH_COMMAND).toBe(secretValue("GIT_SSH_COMMAND"));
    expect(got.GIT_PAGER).toBeNull();
  });

  it("--only must stay inside the file; --allow-file names another file; a bad line is a usage error", async () => {
    const outside = await run(["exec", "-e", "allow_env", "--only", "OTHER_B", "--", "true"], {
      cwd: allowDir,
    });
    expect(outside.code).toBe(EXIT.usage);
    expect(outside.err).toContain("--only names OTHER_B, which .scoped-secrets-allow does not list");

    writeFileSync(join(allowDir, "worker.allow"), "OTHER_B\n");
    const other = await run(
      ["exec", "-e", "allow_env", "--allow-file", "worker.allow", "--", ...printEnv(names)],
      {
        cwd: allowDir,
      },
    );
    expect(Object.entries(JSON.parse(other.out)).filter(([, v]) => v !== null)).toEqual([
      ["OTHER_B", secretValue("OTHER_B")],
    ]);

    const missing = await run(["exec", "-e", "allow_env", "--allow-file", "nope.allow", "--", "true"], {
      cwd: allowDir,
    });
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain("cannot read the allow file");

    writeFileSync(join(allowDir, "bad.allow"), "OK_ONE\nnot a name\n");
    const bad = await run(["exec", "-e", "allow_env", "--allow-file", "bad.allow", "--", "true"], {
      cwd: allowDir,
    });
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain("bad.allow line 2: expected a variable name or NAME_PREFIX*");
  });
});
