import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { importSpecifiers, seedDesignScopes, setSecret } from "./helpers.ts";

/**
 * The published client, as an agent's project gets it: `npm pack ./client`, installed from the tarball
 * into an empty project, run by plain `node` (no tsx, no TypeScript) against a real local server.
 */

const root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "ss-pack-"));
const project = join(work, "agent");
let tarball: string;
let server: TestServer;
let agentToken: string;

/** Runs a program without blocking the event loop (the server answers from this process). */
function spawnAsync(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { ...options, encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      done({ status: error ? (typeof code === "number" ? code : null) : 0, stdout, stderr });
    });
  });
}

/** Plain node: whatever loader vitest or the shell added must not help the package run. */
const plainEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...extra,
});

beforeAll(async () => {
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "./client", "--json", "--pack-destination", work], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, packed[0]?.filename ?? "missing.tgz");
  (globalThis as { packedFiles?: string[] }).packedFiles = packed[0]?.files.map((f) => f.path) ?? [];
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "agent", version: "1.0.0", private: true, type: "module" }),
  );
  // commander, the one dependency, comes from npm's cache when it is there (the registry otherwise).
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], {
    cwd: project,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server = await startTestServer();
  agentToken = await seedDesignScopes(server);
  await setSecret(server, "SLACK_TOKEN", "xoxb-env-value", "us_env_123");
  await setSecret(server, "SLACK_TOKEN", "xoxb-space-value", "us_env_123", "us_spa_123");
}, 180_000);

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("npm pack ./client", () => {
  it("holds compiled JavaScript, declarations, its README and package.json; no sources, no server code", () => {
    const files = (globalThis as { packedFiles?: string[] }).packedFiles ?? [];
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files).toContain("dist/cli/main.js");
    expect(files).toContain("README.md");
    expect(files).toContain("package.json");
    const unexpected = files.filter(
      (f) => !/^dist\/.+\.(js|d\.ts)$/.test(f) && f !== "README.md" && f !== "package.json",
    );
    expect(unexpected).toEqual([]);
  });

  it("installs with commander as its only dependency", () => {
    const pkg = JSON.parse(
      readFileSync(join(project, "node_modules/@scoped-secrets/client/package.json"), "utf8"),
    ) as { dependencies?: Record<string, string>; bin?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(["commander"]);
    expect(pkg.bin).toEqual({ "scoped-secrets": "dist/cli/main.js" });
    const installed = readdirSync(join(project, "node_modules")).filter((d) => !d.startsWith("."));
    expect(installed.sort()).toEqual(["@scoped-secrets", "commander"]);
  });

  it("reads a secret with SecretsClient and event.secrets under plain node", async () => {
    writeFileSync(
      join(project, "read.mjs"),
      `import { Listener, SecretsClient } from "@scoped-secrets/client";
const client = new SecretsClient();
const env = await client.get("SLACK_TOKEN", { environmentId: "us_env_123" });
const listener = new Listener({ client });
let fromEvent;
listener.on("**", async (event) => { fromEvent = await event.secrets("SLACK_TOKEN"); });
await listener.dispatchEvent({ topic: "job:ready", context: { environmentId: "us_env_123", spaceId: "us_spa_123" } });
console.log(JSON.stringify({ env: env.value, version: env.version, space: fromEvent }));
`,
    );
    const r = await spawnAsync(process.execPath, ["read.mjs"], {
      cwd: project,
      env: plainEnv({ SCOPED_SECRETS_URL: server.url, SCOPED_SECRETS_TOKEN: agentToken }),
    });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ env: "xoxb-env-value", version: 1, space: "xoxb-space-value" });
  });

  it("types resolve for a TypeScript consumer through the exports map, and are not any", async () => {
    writeFileSync(
      join(project, "consumer.ts"),
      `import { SecretsClient, SecretsError, type Secret } from "@scoped-secrets/client";
const client = new SecretsClient({ baseUrl: "http://127.0.0.1:1", token: "t" });
export const read = async (): Promise<number> => {
  const secret: Secret = await client.get("A", { environmentId: "e" });
  // @ts-expect-error version is a number: this line only type-checks if the types are real
  const wrong: string = secret.version;
  return secret.version + wrong.length;
};
export const isError = (e: unknown): boolean => e instanceof SecretsError && e.status === 404;
`,
    );
    const tsc = join(root, "node_modules/.bin/tsc");
    const r = await spawnAsync(
      tsc,
      [
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--types",
        "node",
        "--typeRoots",
        join(root, "node_modules/@types"),
        "consumer.ts",
      ],
      { cwd: project, env: plainEnv({}) },
    );
    expect({ code: r.status, out: r.stdout }).toEqual({ code: 0, out: "" });
    // Compiled files import only files inside the package, node: built-ins and commander.
    const dir = join(project, "node_modules/@scoped-secrets/client/dist");
    const specifiers = readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".d.ts") || f.endsWith(".js"))
      .flatMap((f) =>
        importSpecifiers(readFileSync(join(dir, f), "utf8")).map((spec) => ({ file: f, spec })),
      );
    expect(specifiers.length).toBeGreaterThan(20);
    const outside = specifiers.filter(({ file, spec }) =>
      spec.startsWith(".")
        ? !resolve(dir, file, "..", spec).startsWith(dir) || !spec.endsWith(".js")
        : !spec.startsWith("node:") && spec !== "commander",
    );
    expect(outside).toEqual([]);
  });

  it("runs the scoped-secrets CLI from the project (get, ls, exec); bootstrap and rotate-key are not in it", async () => {
    const bin = join(project, "node_modules/.bin/scoped-secrets");
    const env = plainEnv({ SCOPED_SECRETS_URL: server.url, SCOPED_SECRETS_TOKEN: agentToken });
    const run = (args: string[]) => spawnAsync(bin, args, { cwd: project, env });

    const get = await run(["get", "SLACK_TOKEN", "-e", "us_env_123", "-s", "us_spa_123"]);
    expect({ code: get.status, out: get.stdout, err: get.stderr }).toEqual({
      code: 0,
      out: "xoxb-space-value",
      err: "",
    });

    const ls = await run(["ls", "-e", "us_env_123", "--json"]);
    expect(ls.status).toBe(0);
    expect(JSON.parse(ls.stdout).map((s: { name: string }) => s.name)).toEqual(["SLACK_TOKEN"]);

    const exec = await run([
      "exec",
      "-e",
      "us_env_123",
      "--",
      process.execPath,
      "-e",
      "process.stdout.write(String(process.env.SLACK_TOKEN === 'xoxb-env-value'))",
    ]);
    expect({ code: exec.status, out: exec.stdout }).toEqual({ code: 0, out: "true" });

    writeFileSync(
      join(project, "listener.mjs"),
      `export default function (listener) {
  listener.on("**", async (event) => { await event.secrets("SLACK_TOKEN"); });
}
`,
    );
    const listen = await run(["listen", "listener.mjs", "-e", "us_env_123", "-s", "us_spa_123"]);
    expect(listen.status).toBe(0);
    expect(listen.stderr).toContain('event.secrets("SLACK_TOKEN") in space us_spa_123');
    expect(listen.stderr).not.toContain("xoxb-");

    // Without a TypeScript-aware node, a .ts listener gets a way forward rather than a stack trace.
    if (!(process.features as { typescript?: unknown }).typescript) {
      writeFileSync(join(project, "listener.ts"), "export default (listener: unknown): void => {};\n");
      const ts = await run(["listen", "listener.ts", "-e", "us_env_123"]);
      expect(ts.status).toBe(2);
      expect(ts.stderr).toContain("this node runs JavaScript only");
    }

    const help = await run(["--help"]);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]);
    expect(commands).toEqual(
      expect.arrayContaining([
        "env",
        "space",
        "set",
        "get",
        "ls",
        "rm",
        "history",
        "rollback",
        "token",
        "exec",
        "import",
        "export",
        "listen",
      ]),
    );

    for (const ops of ["bootstrap", "rotate-key"]) {
      const r = await run([ops]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/unknown command/);
    }
    expect((await run(["--version"])).stdout.trim()).toBe("0.1.0");
  });
});
