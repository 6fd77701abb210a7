import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../client/cli/exit-codes.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { cli, seedDesignScopes, setSecret } from "./helpers.ts";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/scoped-secrets.js");
const dir = mkdtempSync(join(tmpdir(), "ss-listen-"));
let server: TestServer;
let agentToken: string;
const ids: Record<string, string> = {};

const VALUES = { slack: "xoxb-env-value", credEnv: "cred-env-value", credSpace: "cred-space-value" };

beforeAll(async () => {
  server = await startTestServer();
  agentToken = await seedDesignScopes(server);
  ids.slack = await setSecret(server, "SLACK_TOKEN", VALUES.slack, "us_env_123");
  ids.credEnv = await setSecret(server, "MY_CREDENTIAL", VALUES.credEnv, "us_env_123");
  ids.credSpace = await setSecret(server, "MY_CREDENTIAL", VALUES.credSpace, "us_env_123", "us_spa_123");
});
afterAll(() => server?.stop());

/** `node bin/scoped-secrets.js …` as a real process, with an agent token. */
async function spawnCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, SCOPED_SECRETS_URL: server.url, SCOPED_SECRETS_TOKEN: agentToken },
      timeout: 20_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const f = e as { code: number; stdout: string; stderr: string };
    return { code: f.code, out: f.stdout, err: f.stderr };
  }
}

const fingerprint = (v: string) =>
  `${v.length} chars, sha256:${createHash("sha256").update(v).digest("hex").slice(0, 12)}`;

/** DESIGN §1, character for character. */
const DESIGN_EXAMPLE = `export default function flatfileEventListener(listener) {
  listener.on("**", async (event) => {
    const tok = await event.secrets("SLACK_TOKEN");
    const other = await event.secrets("MY_CREDENTIAL", { environmentId: "us_env_123", spaceId: "us_spa_123" });
  });
}
`;

describe("listen, as a real process", () => {
  it("has the DESIGN §1 code verbatim in examples/slack-listener.js", () => {
    expect(readFileSync(join(root, "examples/slack-listener.js"), "utf8")).toContain(DESIGN_EXAMPLE);
  });

  it("runs the DESIGN §1 example verbatim: the environment value, and the space override chosen through options", async () => {
    const r = await spawnCli([
      "--json",
      "listen",
      "examples/slack-listener.js",
      "--environment",
      "us_env_123",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({
      ok: true,
      topic: "agent:run",
      handlers: 1,
      context: { environmentId: "us_env_123" },
    });
    expect(report.secrets).toEqual([
      expect.objectContaining({
        name: "SLACK_TOKEN",
        environmentId: "us_env_123",
        spaceId: null,
        secretId: ids.slack,
        from: "environment",
      }),
      expect.objectContaining({
        name: "MY_CREDENTIAL",
        environmentId: "us_env_123",
        spaceId: "us_spa_123",
        secretId: ids.credSpace,
        from: "space",
        overridden: true,
      }),
    ]);
    expect(r.out).not.toContain(VALUES.slack);
    expect(r.out).not.toContain(VALUES.credSpace);
  });

  it("runs the fingerprinting example: the values that arrived are the right ones", async () => {
    const r = await spawnCli([
      "listen",
      "examples/fingerprint-listener.js",
      "-e",
      "us_env_123",
      "--topic",
      "job:ready",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `SLACK_TOKEN ${fingerprint(VALUES.slack)}\nMY_CREDENTIAL ${fingerprint(VALUES.credSpace)}\n`,
    );
    expect(r.err).toContain(
      'event.secrets("SLACK_TOKEN") in environment us_env_123: the environment\'s value, version 1',
    );
    expect(r.err).toContain(
      'event.secrets("MY_CREDENTIAL") in space us_spa_123: the space\'s own value, version 1',
    );
    expect(r.err).toContain("1 handler ran for job:ready: ok");
    expect(r.err).not.toContain(VALUES.slack);
  });
});

describe("listen, in-process", () => {
  const run = (args: string[]) => cli(server, args, { token: agentToken, cwd: root });
  const module = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };

  it("exits non-zero with a clear message when a handler throws", async () => {
    const file = module(
      "throws.mjs",
      `export default (listener) => listener.on("job:*", async (event) => {
        if (event.payload.ok !== false) return;
        throw new Error("could not post to Slack for job " + event.payload.job);
      });`,
    );
    const payload = join(dir, "payload.json");
    writeFileSync(payload, JSON.stringify({ ok: false, job: "j1" }));
    const r = await run(["listen", file, "-e", "us_env_123", "--topic", "job:ready", "--payload", payload]);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toBe(
      "scoped-secrets: handler failed for job:ready in environment us_env_123: could not post to Slack for job j1\n",
    );
    writeFileSync(payload, JSON.stringify({ ok: true }));
    expect(
      (await run(["listen", file, "-e", "us_env_123", "--topic", "job:ready", "--payload", payload])).code,
    ).toBe(0);
  });

  it("names the missing secret and its scope, exit 3", async () => {
    const file = module("missing.mjs", `export default (l) => l.on("**", (e) => e.secrets("NOT_SET"));`);
    const r = await run(["listen", file, "-e", "us_env_123", "-s", "us_spa_123"]);
    expect(r.code).toBe(EXIT.notFound);
    expect(r.err).toContain("secret NOT_SET not found in space us_spa_123 of environment us_env_123");
  });

  it("resolves in the event's space when --space is given", async () => {
    const file = module(
      "space.mjs",
      `export default (l) => l.on("**", async (e) => { if (await e.secrets("MY_CREDENTIAL") !== ${JSON.stringify(VALUES.credSpace)}) throw new Error("wrong value"); });`,
    );
    expect((await run(["listen", file, "-e", "us_env_123", "-s", "us_spa_123"])).code).toBe(0);
    expect((await run(["listen", file, "-e", "us_env_123"])).err).toContain("wrong value");
  });

  it("explains a module without a default function, and a topic no handler matches", async () => {
    const none = module("none.mjs", "export const x = 1;");
    const r = await run(["listen", none, "-e", "us_env_123"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain("has no default export function (listener)");
    const r2 = await run([
      "listen",
      "examples/slack-listener.js",
      "-e",
      "us_env_123",
      "--topic",
      "job:ready",
    ]);
    expect(r2.code).toBe(0);
    const jobsOnly = module("jobs.mjs", `export default (l) => l.on("job:*", () => {});`);
    const r3 = await run(["listen", jobsOnly, "-e", "us_env_123", "--topic", "space:created"]);
    expect(r3.code).toBe(EXIT.failed);
    expect(r3.err).toContain("no handler in");
    expect((await run(["listen", join(dir, "absent.mjs"), "-e", "us_env_123"])).err).toContain(
      "cannot find the listener module",
    );
  });
});
