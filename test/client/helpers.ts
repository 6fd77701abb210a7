import { Readable } from "node:stream";
import { runCli } from "../../client/cli/program.ts";
import type { TestServer } from "../support/local-server.ts";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process against `server` with captured output; env adds to (or, with undefined, removes from) the defaults. */
export async function cli(
  server: Pick<TestServer, "url" | "adminToken">,
  args: string[],
  options: { stdin?: string; env?: Record<string, string | undefined>; token?: string; cwd?: string } = {},
): Promise<CliRun> {
  let out = "";
  let err = "";
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SCOPED_SECRETS_URL: server.url,
    SCOPED_SECRETS_TOKEN: options.token ?? server.adminToken,
    ...options.env,
  };
  const code = await runCli(args, {
    stdout: {
      write: (s: string) => {
        out += s;
      },
    },
    stderr: {
      write: (s: string) => {
        err += s;
      },
    },
    stdin: Readable.from([Buffer.from(options.stdin ?? "")]),
    env,
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, out, err };
}

/** How many requests the server answered for this method and route pattern so far. */
export const countRequests = (
  server: { logs: ReadonlyArray<{ method: string; route: string }> },
  method: string,
  route: string,
): number => server.logs.filter((l) => l.method === method && l.route === route).length;

/** Creates environment us_env_123 with space us_spa_123 (the DESIGN §1 ids) and returns an agent token for it. */
export async function seedDesignScopes(server: Pick<TestServer, "call" | "adminToken">): Promise<string> {
  const admin = server.adminToken;
  const env = await server.call("POST", "/v1/environments", {
    token: admin,
    body: { name: "us", id: "us_env_123" },
  });
  if (env.status !== 201) throw new Error(`seed env: ${env.status} ${JSON.stringify(env.body)}`);
  const space = await server.call("POST", "/v1/spaces", {
    token: admin,
    body: { environmentId: "us_env_123", name: "acme", id: "us_spa_123" },
  });
  if (space.status !== 201) throw new Error(`seed space: ${space.status}`);
  const tok = await server.call("POST", "/v1/tokens", {
    token: admin,
    body: { name: "agent", role: "agent", environmentId: "us_env_123" },
  });
  if (tok.status !== 201) throw new Error(`seed token: ${tok.status}`);
  return tok.body.data.token as string;
}

/** Sets a secret through the API; returns its id. */
export async function setSecret(
  server: Pick<TestServer, "call" | "adminToken">,
  name: string,
  value: string,
  environmentId: string,
  spaceId?: string,
): Promise<string> {
  const res = await server.call("POST", "/v1/secrets", {
    token: server.adminToken,
    body: { name, value, environmentId, ...(spaceId ? { spaceId } : {}) },
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`set ${name}: ${res.status}`);
  return res.body.data.id as string;
}

/** The module specifiers a JavaScript or TypeScript file imports or re-exports (static, side-effect and dynamic). */
export function importSpecifiers(source: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1] as string));
}
