import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { setSecret } from "./helpers.ts";

/**
 * `scoped-secrets exec --watch` as a user runs it (the real CLI process, a real child, real signals):
 * a write restarts the child with the new value, the CLI names what changed and never prints a value.
 */

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "ss-watch-"));
const child = join(dir, "child.mjs");
let server: TestServer;
let agentToken: string;

writeFileSync(
  child,
  `import { appendFileSync } from "node:fs";
const log = (line) => appendFileSync(process.env.RUN_LOG, line + "\\n");
// The value goes to a file for the test to check, never to the output the CLI shares.
log("start " + process.pid + " " + process.env.WATCHED_TOKEN);
console.log("child " + process.pid + " running");
process.on("SIGTERM", () => {
  if (process.env.IGNORE_TERM) return log("ignored " + process.pid);
  log("term " + process.pid);
  process.exit(0);
});
process.on("SIGINT", () => {
  log("int " + process.pid);
  process.exit(42);
});
setInterval(() => {}, 1000);
`,
);

beforeAll(async () => {
  server = await startTestServer();
  await server.call("POST", "/v1/environments", {
    token: server.adminToken,
    body: { name: "w", id: "watch_env" },
  });
  const tok = await server.call("POST", "/v1/tokens", {
    token: server.adminToken,
    body: { name: "agent", role: "agent", environmentId: "watch_env" },
  });
  agentToken = tok.body.data.token;
});
afterAll(() => server?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);
const starts = (file: string) => lines(file).filter((l) => l.startsWith("start "));
const pidOf = (line: string | undefined) => (line ?? "").split(" ")[1] ?? "";

/** Stops whatever a run left behind: its children (by the pids they logged), then the CLI. */
async function cleanUp(run: { proc: ChildProcess; exited: Promise<unknown> }, log: string) {
  for (const line of starts(log)) {
    try {
      process.kill(Number(pidOf(line)), "SIGKILL");
    } catch {
      // already gone
    }
  }
  run.proc.kill("SIGKILL");
  await run.exited;
}

/** The real CLI (bin/scoped-secrets.js) running exec --watch; output collected. */
function execWatch(args: string[], env: Record<string, string>) {
  let output = "";
  let stderr = "";
  const proc: ChildProcess = spawn(
    process.execPath,
    [
      join(root, "bin/scoped-secrets.js"),
      "exec",
      "-e",
      "watch_env",
      "--watch",
      ...args,
      "--",
      process.execPath,
      child,
    ],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SCOPED_SECRETS_URL: server.url,
        SCOPED_SECRETS_TOKEN: agentToken,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  proc.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return { proc, exited, output: () => output, stderr: () => stderr };
}

it("restarts the child with the new value after a write (SIGTERM, then a new child), names what changed, prints no value, passes Ctrl-C's exit code on", async () => {
  const log = join(dir, "main.log");
  await setSecret(server, "WATCHED_TOKEN", "first-value-9c1e", "watch_env");
  await setSecret(server, "UNRELATED", "unrelated-1-77ab", "watch_env");
  const run = execWatch(["--interval", "1"], { RUN_LOG: log, UNRELATED: "set-by-the-parent" });
  let firstPid = "";
  try {
    await until(() => starts(log).length === 1, "the first child");
    const [, pid, firstValue] = (starts(log)[0] ?? "").split(" ");
    firstPid = pid ?? "";
    expect(firstValue).toBe("first-value-9c1e");

    await setSecret(server, "WATCHED_TOKEN", "second-value-4d2f", "watch_env");
    await until(() => starts(log).length === 2, "the restarted child");
    const [, secondPid, secondValue] = (starts(log)[1] ?? "").split(" ");
    expect(secondValue).toBe("second-value-4d2f");
    expect(secondPid).not.toBe(firstPid);
    // The old child was stopped (SIGTERM) and had exited before the new one started.
    expect(lines(log).slice(0, 3)).toEqual([
      `start ${firstPid} first-value-9c1e`,
      `term ${firstPid}`,
      `start ${secondPid} second-value-4d2f`,
    ]);

    // A change to a secret the child was not given (withheld: the parent has UNRELATED) restarts nothing.
    await setSecret(server, "UNRELATED", "unrelated-2-88cd", "watch_env");
    await sleep(2_500);
    expect(starts(log)).toHaveLength(2);

    run.proc.kill("SIGINT");
    expect(await run.exited).toBe(42);
    expect(lines(log).at(-1)).toBe(`int ${secondPid}`);
  } finally {
    await cleanUp(run, log);
  }
  const out = run.output();
  expect(out).toContain(`child ${firstPid} running`);
  expect(run.stderr()).toContain(
    "scoped-secrets exec: WATCHED_TOKEN changed; restarting " +
      process.execPath +
      " (SIGTERM, then SIGKILL after 10 s)",
  );
  expect(run.stderr()).toContain("withheld UNRELATED: already set in this environment");
  for (const value of [
    "first-value-9c1e",
    "second-value-4d2f",
    "unrelated-1-77ab",
    "unrelated-2-88cd",
    agentToken,
  ])
    expect(out).not.toContain(value);
}, 60_000);

it("sends SIGKILL to a child that ignores SIGTERM after the grace period, then starts the new one", async () => {
  const log = join(dir, "kill.log");
  await setSecret(server, "WATCHED_TOKEN", "stubborn-1", "watch_env");
  const run = execWatch(["--interval", "1", "--grace-period", "1", "--only", "WATCHED_TOKEN"], {
    RUN_LOG: log,
    IGNORE_TERM: "1",
  });
  try {
    await until(() => starts(log).length === 1, "the first child");
    await setSecret(server, "WATCHED_TOKEN", "stubborn-2", "watch_env");
    await until(() => starts(log).length === 2, "the restarted child");
    const [first, ignored, second] = lines(log);
    expect(ignored).toBe(`ignored ${pidOf(first)}`);
    expect(second?.split(" ")[2]).toBe("stubborn-2");
    expect(run.stderr()).toContain("did not stop within 1 s; sending SIGKILL");
  } finally {
    await cleanUp(run, log);
  }
}, 60_000);
