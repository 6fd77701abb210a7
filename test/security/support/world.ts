import { randomBytes } from "node:crypto";
import type { TestServer } from "../../support/local-server.ts";
import type { Needle } from "./leaks.ts";
import type { Tally } from "./tally.ts";

export type Role = "admin" | "operator" | "agent";

/** A token of the world, with the scope it is bound to. */
export interface WorldToken {
  label: string;
  role: Role;
  environmentId?: string | undefined;
  spaceId?: string | undefined;
  id: string;
  token: string;
}

/** A secret written by the fixture, with its plaintext (high-entropy, so a byte search cannot miss it). */
export interface WorldSecret {
  id: string;
  name: string;
  environmentId: string;
  spaceId?: string | undefined;
  value: string;
}

export type Call = (
  method: string,
  path: string,
  options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returns.
) => Promise<{ status: number; body: any; text: string; headers: Headers }>;

/**
 * Environments env_a and env_b, each with two spaces. No id is a prefix of another, so a test can swap one
 * id for another inside a response body without touching a different id.
 */
export const ENVS = ["env_a", "env_b"] as const;
const SPACES: Record<string, [string, string]> = { env_a: ["spc_a1", "spc_a2"], env_b: ["spc_b1", "spc_b2"] };
export const spacesOf = (env: string): [string, string] => SPACES[env] ?? ["spc_none1", "spc_none2"];
export const otherEnv = (env: string) => (env === "env_a" ? "env_b" : "env_a");

/** A value nobody could guess or compress away: a marker plus 24 random bytes. */
export const secretValue = (label: string) => `${label}:${randomBytes(24).toString("base64url")}`;

/** Calls the server, counting each answer in the tally and keeping the raw text for leak searches. */
export function counted(server: Pick<TestServer, "url">, tally: Tally): Call {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await res.text();
    tally.saw(res.status);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the text is kept for the assertion that complains about it
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
}

/** The fixture every isolation and hygiene check runs against. */
export interface World {
  admin: WorldToken;
  /** Operator and agent tokens, bound to each environment and to each environment's first space. */
  scoped: WorldToken[];
  /** A token that was revoked right after it was created. */
  revoked: WorldToken;
  secrets: WorldSecret[];
  /** Every plaintext and every token string: what must never appear where it does not belong. */
  needles(): Needle[];
}

async function expectStatus(
  res: Awaited<ReturnType<Call>>,
  status: number,
  what: string,
): Promise<Awaited<ReturnType<Call>>> {
  if (res.status !== status) throw new Error(`fixture: ${what} answered ${res.status}: ${res.text}`);
  return res;
}

/** Creates the token through the API (the only place its string is shown) and returns it. */
export async function createToken(
  call: Call,
  adminToken: string,
  spec: Omit<WorldToken, "id" | "token">,
): Promise<WorldToken> {
  const res = await expectStatus(
    await call("POST", "/v1/tokens", {
      token: adminToken,
      body: {
        name: spec.label,
        role: spec.role,
        ...(spec.environmentId ? { environmentId: spec.environmentId } : {}),
        ...(spec.spaceId ? { spaceId: spec.spaceId } : {}),
      },
    }),
    201,
    `create token ${spec.label}`,
  );
  return { ...spec, id: res.body.data.id, token: res.body.data.token };
}

/** Writes one secret as admin and returns it with its plaintext. */
export async function createSecret(
  call: Call,
  adminToken: string,
  scope: { environmentId: string; spaceId?: string | undefined },
  name: string,
  value = secretValue(`${scope.spaceId ?? scope.environmentId}.${name}`),
): Promise<WorldSecret> {
  const res = await call("POST", "/v1/secrets", {
    token: adminToken,
    body: { name, value, ...scope },
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`fixture: set ${name} answered ${res.status}: ${res.text}`);
  return { id: res.body.data.id, name, value, ...scope };
}

/**
 * Two environments with two spaces each; in every environment a SHARED secret (overridden in the first
 * space) and an ENV_ONLY secret; in every space a SPACE_ONLY secret. Operator and agent tokens bound to each
 * environment and to each environment's first space, and one revoked token.
 */
export async function buildWorld(call: Call, adminToken: string): Promise<World> {
  const admin: WorldToken = { label: "admin", role: "admin", id: "", token: adminToken };
  const secrets: WorldSecret[] = [];
  for (const env of ENVS) {
    await expectStatus(
      await call("POST", "/v1/environments", { token: adminToken, body: { id: env, name: `env ${env}` } }),
      201,
      `create ${env}`,
    );
    for (const space of spacesOf(env))
      await expectStatus(
        await call("POST", "/v1/spaces", {
          token: adminToken,
          body: { environmentId: env, id: space, name: `space ${space}` },
        }),
        201,
        `create ${space}`,
      );
    secrets.push(await createSecret(call, adminToken, { environmentId: env }, "SHARED"));
    secrets.push(await createSecret(call, adminToken, { environmentId: env }, "ENV_ONLY"));
    const [first, second] = spacesOf(env);
    secrets.push(await createSecret(call, adminToken, { environmentId: env, spaceId: first }, "SHARED"));
    for (const space of [first, second])
      secrets.push(
        await createSecret(call, adminToken, { environmentId: env, spaceId: space }, "SPACE_ONLY"),
      );
  }
  const scoped: WorldToken[] = [];
  for (const env of ENVS)
    for (const role of ["operator", "agent"] as const) {
      scoped.push(await createToken(call, adminToken, { label: `${role}@${env}`, role, environmentId: env }));
      const space = spacesOf(env)[0];
      scoped.push(
        await createToken(call, adminToken, {
          label: `${role}@${space}`,
          role,
          environmentId: env,
          spaceId: space,
        }),
      );
    }
  const revoked = await createToken(call, adminToken, {
    label: "revoked",
    role: "agent",
    environmentId: "env_a",
  });
  await expectStatus(
    await call("DELETE", `/v1/tokens/${revoked.id}`, { token: adminToken }),
    200,
    "revoke token",
  );
  return {
    admin,
    scoped,
    revoked,
    secrets,
    needles: () => [
      ...secrets.map((s) => ({
        label: `value of ${s.name} at ${s.spaceId ?? s.environmentId}`,
        text: s.value,
      })),
      ...[admin, ...scoped, revoked].map((t) => ({ label: `token ${t.label}`, text: t.token })),
    ],
  };
}

/**
 * The plaintexts `t` may ever receive (DESIGN §3): admin every value; an operator none; an environment-bound
 * agent every value of its environment; a space-bound agent only its space's effective values (its own, and
 * the environment's where the space has no override).
 */
export function readableValues(t: WorldToken, secrets: readonly WorldSecret[]): Set<string> {
  if (t.role === "admin") return new Set(secrets.map((s) => s.value));
  if (t.role !== "agent") return new Set();
  const inEnv = secrets.filter((s) => s.environmentId === t.environmentId);
  if (t.spaceId === undefined) return new Set(inEnv.map((s) => s.value));
  const own = inEnv.filter((s) => s.spaceId === t.spaceId);
  const overridden = new Set(own.map((s) => s.name));
  const inherited = inEnv.filter((s) => s.spaceId === undefined && !overridden.has(s.name));
  return new Set([...own, ...inherited].map((s) => s.value));
}
