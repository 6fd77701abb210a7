import { otherEnv, spacesOf, type WorldSecret, type WorldToken } from "./world.ts";

/**
 * The tracker's "token × route → expected status" table for the HTTP API, written from DESIGN §3 (not from
 * lambdas/core/access.ts, so it checks the code instead of repeating it):
 * - admin: everything;
 * - operator: manages spaces and secrets in its environment (or only its space), writes values, never reads them;
 * - agent: reads effective secrets with values in its environment (or only its space), writes nothing;
 * - outside the caller's scope: 404, with the same body as for a resource that does not exist;
 * - inside it, an action the role may not take: 403.
 */

export interface Request {
  method: string;
  path: string;
  body?: unknown;
}

export interface Case {
  /** What the request targets, for failure messages: "home space", "foreign env", "missing"… */
  target: string;
  request: Request;
  status: number;
  /**
   * For a 404 on something that exists but is not the caller's: the ids to swap for ids that exist nowhere.
   * The runner sends that twin request too and requires the very same body once the ids are swapped back.
   */
  twin?: Array<[real: string, missing: string]>;
  /** Extra checks on a successful body; returns a problem or undefined. */
  // biome-ignore lint/suspicious/noExplicitAny: bodies are JSON of whatever route answered.
  check?: (body: any) => string | undefined;
  /** Called after the request when it succeeded as expected: lets the runner track what now exists. */
  // biome-ignore lint/suspicious/noExplicitAny: bodies are JSON of whatever route answered.
  onSuccess?: (body: any) => void;
}

/** Creates throwaway resources (as admin) for cases that would otherwise destroy the shared fixture. */
export interface Fixtures {
  uid(prefix: string): string;
  freshSpace(environmentId: string): Promise<string>;
  freshEnvironment(): Promise<string>;
  freshSecret(scope: { environmentId: string; spaceId?: string | undefined }): Promise<WorldSecret>;
  freshToken(): Promise<string>;
  secret(scope: { environmentId: string; spaceId?: string | undefined }, name: string): WorldSecret;
  /** Records what a successful request created or deleted, for the "no stray writes" check. */
  created(kind: "secret" | "space" | "environment", scopeKey: string, name: string, value?: string): void;
  deleted(kind: "secret" | "space" | "environment", scopeKey: string, name: string): void;
}

export type RouteSpec = (t: WorldToken, fx: Fixtures) => Promise<Case[]> | Case[];

export const MISSING = {
  env: "env_nope",
  space: "spc_nope",
  secret: "sec_01nope0000000000000000000",
  token: "tok_01nope0000000000000000000",
} as const;

// ---- who the token is, relative to the fixture
const isAdmin = (t: WorldToken) => t.role === "admin";
const isManager = (t: WorldToken) => t.role !== "agent";
/** The environment the token works in (admin: env_a, though it sees everything). */
const home = (t: WorldToken) => t.environmentId ?? "env_a";
const homeSpace = (t: WorldToken) => t.spaceId ?? spacesOf(home(t))[0];
const sibling = (t: WorldToken) => spacesOf(home(t))[1];
const foreign = (t: WorldToken) => otherEnv(home(t));
const foreignSpace = (t: WorldToken) => spacesOf(foreign(t))[0];
export const scopeKey = (environmentId: string, spaceId?: string) =>
  spaceId ? `${environmentId}/${spaceId}` : environmentId;

/** First defined status wins: the order of the gates is the order of the checks. */
const first = (...gates: Array<number | undefined>): number => gates.find((g) => g !== undefined) ?? 0;
const role = (t: WorldToken, allowed: (t: WorldToken) => boolean) => (allowed(t) ? undefined : 403);

/**
 * A scope named in the query or body (environmentId, spaceId?): another environment, or another space for
 * a space-bound token, is 404; the environment itself for a space-bound token is 403 (it is told to pass its
 * space). Existence is checked after the role, so the answer never depends on what exists elsewhere.
 */
function namedScope(t: WorldToken, env: string, space?: string): number | undefined {
  if (isAdmin(t)) return undefined;
  if (t.environmentId !== env) return 404;
  if (t.spaceId === undefined) return undefined;
  if (space === undefined) return 403;
  return space === t.spaceId ? undefined : 404;
}

/** A resource reached by its id: visible when it lies in the token's scope; otherwise it does not exist. */
const visible = (t: WorldToken, s: { environmentId: string; spaceId?: string | undefined }) =>
  isAdmin(t) || (t.environmentId === s.environmentId && (!t.spaceId || t.spaceId === s.spaceId));

const exists = (ok: boolean) => (ok ? undefined : 404);

/** Every JSON array item's field, for list checks. */
// biome-ignore lint/suspicious/noExplicitAny: bodies are JSON.
const field = (body: any, key: string): unknown[] => (body?.data ?? []).map((x: any) => x?.[key]);

function listCheck(t: WorldToken, what: string, key: string, allowed: (v: unknown) => boolean) {
  // biome-ignore lint/suspicious/noExplicitAny: bodies are JSON.
  return (body: any) => {
    const bad = field(body, key).filter((v) => !allowed(v));
    return bad.length ? `${t.label} listed ${what} outside its scope: ${JSON.stringify(bad)}` : undefined;
  };
}

/** Scope targets of the secret read and write routes: [label, env, space?, exists, twin?]. */
function scopeTargets(t: WorldToken) {
  return [
    { target: "home env", env: home(t), space: undefined, exists: true },
    { target: "home space", env: home(t), space: homeSpace(t), exists: true },
    {
      target: "sibling space",
      env: home(t),
      space: sibling(t),
      exists: true,
      twin: [[sibling(t), MISSING.space]] as Array<[string, string]>,
    },
    {
      target: "foreign env",
      env: foreign(t),
      space: undefined,
      exists: true,
      twin: [[foreign(t), MISSING.env]] as Array<[string, string]>,
    },
    {
      target: "foreign space",
      env: foreign(t),
      space: foreignSpace(t),
      exists: true,
      twin: [[foreignSpace(t), MISSING.space]] as Array<[string, string]>,
    },
    {
      // environmentId=<home>&spaceId=<a space of the other environment>: never accepted, for anyone.
      target: "space of another env",
      env: home(t),
      space: foreignSpace(t),
      exists: false,
      twin: [[foreignSpace(t), MISSING.space]] as Array<[string, string]>,
    },
    { target: "missing space", env: home(t), space: MISSING.space, exists: false },
    { target: "missing env", env: MISSING.env, space: undefined, exists: false },
  ];
}

const query = (params: Record<string, string | undefined>) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`)
    .join("&");

/** The world's secrets reached by id: one per relation to the token. */
function secretTargets(t: WorldToken, fx: Fixtures) {
  return [
    { target: "home env secret", s: fx.secret({ environmentId: home(t) }, "SHARED") },
    {
      target: "home space secret",
      s: fx.secret({ environmentId: home(t), spaceId: homeSpace(t) }, "SHARED"),
    },
    {
      target: "sibling space secret",
      s: fx.secret({ environmentId: home(t), spaceId: sibling(t) }, "SPACE_ONLY"),
    },
    { target: "foreign env secret", s: fx.secret({ environmentId: foreign(t) }, "ENV_ONLY") },
    {
      target: "foreign space secret",
      s: fx.secret({ environmentId: foreign(t), spaceId: foreignSpace(t) }, "SPACE_ONLY"),
    },
  ];
}

function byIdCases(
  t: WorldToken,
  targets: Array<{ target: string; s: { id: string; environmentId: string; spaceId?: string | undefined } }>,
  request: (id: string) => Request,
  allowed: (t: WorldToken) => boolean,
  success: number,
  missingId: string,
  onSuccess?: (s: { id: string; environmentId: string; spaceId?: string | undefined }) => Case["onSuccess"],
): Case[] {
  return [
    ...targets.map(({ target, s }) => {
      const status = first(exists(visible(t, s)), role(t, allowed)) || success;
      return {
        target,
        request: request(s.id),
        status,
        ...(status === 404 ? { twin: [[s.id, missingId]] as Array<[string, string]> } : {}),
        ...(onSuccess ? { onSuccess: onSuccess(s) } : {}),
      };
    }),
    { target: "missing", request: request(missingId), status: 404 },
  ];
}

/** Expectations for every route of the API, keyed like the route table: "GET /v1/secrets/{secretId}". */
export const ROUTE_SPECS: Record<string, RouteSpec> = {
  "GET /v1/whoami": (t) => [
    {
      target: "self",
      request: { method: "GET", path: "/v1/whoami" },
      status: 200,
      check: (body) => {
        const d = body?.data ?? {};
        // The first-start admin's id is not known to the world fixture; every other token's is.
        const same =
          (t.id === "" ? /^tok_/.test(d.tokenId) : d.tokenId === t.id) &&
          d.role === t.role &&
          d.environmentId === (t.environmentId ?? null) &&
          d.spaceId === (t.spaceId ?? null);
        return same ? undefined : `${t.label} got whoami ${JSON.stringify(d)}`;
      },
    },
  ],
  "GET /v1/health": () => [{ target: "-", request: { method: "GET", path: "/v1/health" }, status: 200 }],
  "GET /v1/openapi.json": () => [
    { target: "-", request: { method: "GET", path: "/v1/openapi.json" }, status: 200 },
  ],

  // ---- environments
  "POST /v1/environments": (t, fx) => {
    const id = fx.uid("env_new");
    return [
      {
        target: "new env",
        request: { method: "POST", path: "/v1/environments", body: { id, name: "new" } },
        status: first(role(t, isAdmin)) || 201,
        onSuccess: () => fx.created("environment", "-", id),
      },
    ];
  },
  "GET /v1/environments": (t) => [
    {
      target: "list",
      request: { method: "GET", path: "/v1/environments" },
      status: 200,
      check: (body) => {
        const ids = field(body, "id");
        if (isAdmin(t))
          return ids.includes("env_a") && ids.includes("env_b") ? undefined : "admin misses envs";
        return JSON.stringify(ids) === JSON.stringify([t.environmentId])
          ? undefined
          : `${t.label} listed environments ${JSON.stringify(ids)}`;
      },
    },
  ],
  "GET /v1/environments/{environmentId}": (t) => [
    { target: "home env", request: { method: "GET", path: `/v1/environments/${home(t)}` }, status: 200 },
    {
      target: "foreign env",
      request: { method: "GET", path: `/v1/environments/${foreign(t)}` },
      status: isAdmin(t) ? 200 : 404,
      twin: [[foreign(t), MISSING.env]],
    },
    { target: "missing", request: { method: "GET", path: `/v1/environments/${MISSING.env}` }, status: 404 },
  ],
  "PATCH /v1/environments/{environmentId}": (t) => {
    const patch = (env: string): Request => ({
      method: "PATCH",
      path: `/v1/environments/${env}`,
      body: { name: `env ${env}` },
    });
    return [
      { target: "home env", request: patch(home(t)), status: first(role(t, isAdmin)) || 200 },
      {
        target: "foreign env",
        request: patch(foreign(t)),
        status: isAdmin(t) ? 200 : 404,
        twin: [[foreign(t), MISSING.env]],
      },
      { target: "missing", request: patch(MISSING.env), status: 404 },
    ];
  },
  "DELETE /v1/environments/{environmentId}": async (t, fx) => {
    const del = (env: string): Request => ({ method: "DELETE", path: `/v1/environments/${env}` });
    const empty = await fx.freshEnvironment();
    return [
      { target: "home env (not empty)", request: del(home(t)), status: first(role(t, isAdmin)) || 409 },
      {
        target: "foreign env (not empty)",
        request: del(foreign(t)),
        status: isAdmin(t) ? 409 : 404,
        twin: [[foreign(t), MISSING.env]],
      },
      {
        target: "empty env",
        request: del(empty),
        status: isAdmin(t) ? 200 : 404,
        twin: [[empty, MISSING.env]],
        onSuccess: () => fx.deleted("environment", "-", empty),
      },
      { target: "missing", request: del(MISSING.env), status: 404 },
    ];
  },

  // ---- spaces
  "POST /v1/spaces": (t, fx) => {
    const create = (env: string, id: string): Request => ({
      method: "POST",
      path: "/v1/spaces",
      body: { environmentId: env, id, name: "new space" },
    });
    const cases: Case[] = [
      { target: "home env", env: home(t), id: fx.uid("spc_new"), existing: true },
      { target: "foreign env", env: foreign(t), id: fx.uid("spc_new"), existing: true },
      { target: "missing env", env: MISSING.env, id: fx.uid("spc_new"), existing: false },
      { target: "taken id", env: home(t), id: homeSpace(t), existing: true, taken: true },
    ].map((c) => {
      const status =
        first(namedScope(t, c.env), role(t, isManager), exists(c.existing)) || (c.taken ? 409 : 201);
      return {
        target: c.target,
        request: create(c.env, c.id),
        status,
        ...(status === 404 && c.existing ? { twin: [[c.env, MISSING.env]] as Array<[string, string]> } : {}),
        onSuccess: () => fx.created("space", c.env, c.id),
      };
    });
    return cases;
  },
  "GET /v1/spaces": (t) => {
    const list = (env?: string): Request => ({
      method: "GET",
      path: `/v1/spaces?${query({ environmentId: env })}`,
    });
    // A space-bound token sees only its own space; an environment-bound one every space of its environment.
    const inScope = listCheck(t, "spaces", "id", (id) => isAdmin(t) || !t.spaceId || id === t.spaceId);
    const ownEnvOnly = listCheck(t, "spaces", "environmentId", (e) => isAdmin(t) || e === t.environmentId);
    const check = (body: unknown) => inScope(body) ?? ownEnvOnly(body);
    return [
      { target: "home env", request: list(home(t)), status: 200, check },
      {
        target: "foreign env",
        request: list(foreign(t)),
        status: isAdmin(t) ? 200 : 404,
        twin: [[foreign(t), MISSING.env]],
        check,
      },
      { target: "missing env", request: list(MISSING.env), status: 404 },
      { target: "no env given", request: list(), status: isAdmin(t) ? 400 : 200, check },
    ];
  },
  "GET /v1/spaces/{spaceId}": (t) => spaceByIdCases(t, "GET", isManager, 200),
  "PATCH /v1/spaces/{spaceId}": (t) => spaceByIdCases(t, "PATCH", isManager, 200),
  "DELETE /v1/spaces/{spaceId}": async (t, fx) => {
    const del = (id: string): Request => ({ method: "DELETE", path: `/v1/spaces/${id}` });
    const freshHome = await fx.freshSpace(home(t));
    const freshForeign = await fx.freshSpace(foreign(t));
    const cases: Case[] = [
      {
        target: "home space (has overrides)",
        request: del(homeSpace(t)),
        status:
          first(exists(visible(t, { environmentId: home(t), spaceId: homeSpace(t) })), role(t, isManager)) ||
          409,
      },
    ];
    for (const [target, env, id] of [
      ["empty space in home env", home(t), freshHome],
      ["empty space in foreign env", foreign(t), freshForeign],
    ] as const) {
      const status =
        first(exists(visible(t, { environmentId: env, spaceId: id })), role(t, isManager)) || 200;
      cases.push({
        target,
        request: del(id),
        status,
        ...(status === 404 ? { twin: [[id, MISSING.space]] as Array<[string, string]> } : {}),
        onSuccess: () => fx.deleted("space", env, id),
      });
    }
    cases.push({ target: "missing", request: del(MISSING.space), status: 404 });
    return cases;
  },

  // ---- secrets
  "GET /v1/secrets": (t) => secretReadCases(t),
  "POST /v1/secrets": (t, fx) =>
    scopeTargets(t).map((c) => {
      const name = fx.uid("NEW");
      const value = `written by ${t.label}: ${fx.uid("v")}`;
      const status = first(namedScope(t, c.env, c.space), role(t, isManager), exists(c.exists)) || 201;
      return {
        target: c.target,
        request: {
          method: "POST",
          path: "/v1/secrets",
          body: { name, value, environmentId: c.env, ...(c.space ? { spaceId: c.space } : {}) },
        },
        status,
        ...(status === 404 && c.twin ? { twin: c.twin } : {}),
        onSuccess: () => fx.created("secret", scopeKey(c.env, c.space), name, value),
      };
    }),
  "GET /v1/secrets/{secretId}": (t, fx) =>
    byIdCases(
      t,
      secretTargets(t, fx),
      (id) => ({ method: "GET", path: `/v1/secrets/${id}` }),
      () => true,
      200,
      MISSING.secret,
    ),
  "DELETE /v1/secrets/{secretId}": async (t, fx) => {
    const targets: Array<{ target: string; s: WorldSecret }> = [];
    for (const [target, scope] of [
      ["home env secret", { environmentId: home(t) }],
      ["home space secret", { environmentId: home(t), spaceId: homeSpace(t) }],
      ["sibling space secret", { environmentId: home(t), spaceId: sibling(t) }],
      ["foreign env secret", { environmentId: foreign(t) }],
      ["foreign space secret", { environmentId: foreign(t), spaceId: foreignSpace(t) }],
    ] as const)
      targets.push({ target, s: await fx.freshSecret(scope) });
    return byIdCases(
      t,
      targets,
      (id) => ({ method: "DELETE", path: `/v1/secrets/${id}` }),
      isManager,
      200,
      MISSING.secret,
      (s) => () => {
        const name = targets.find((x) => x.s.id === s.id)?.s.name ?? "";
        fx.deleted("secret", scopeKey(s.environmentId, s.spaceId), name);
      },
    );
  },
  "GET /v1/secrets/{secretId}/versions": (t, fx) =>
    byIdCases(
      t,
      secretTargets(t, fx),
      (id) => ({ method: "GET", path: `/v1/secrets/${id}/versions` }),
      isManager,
      200,
      MISSING.secret,
    ),
  // Rolling back to version 1 writes the same value again: the shared fixture keeps its values.
  "POST /v1/secrets/{secretId}/rollback": (t, fx) =>
    byIdCases(
      t,
      secretTargets(t, fx),
      (id) => ({ method: "POST", path: `/v1/secrets/${id}/rollback`, body: { version: 1 } }),
      isManager,
      200,
      MISSING.secret,
    ),

  // ---- tokens
  "POST /v1/tokens": (t) => [
    {
      target: "new agent token",
      request: {
        method: "POST",
        path: "/v1/tokens",
        body: { name: "minted", role: "agent", environmentId: home(t) },
      },
      status: first(role(t, isAdmin)) || 201,
    },
  ],
  "GET /v1/tokens": (t) => [
    {
      target: "list",
      request: { method: "GET", path: "/v1/tokens" },
      status: first(role(t, isAdmin)) || 200,
    },
  ],
  "DELETE /v1/tokens/{tokenId}": async (t, fx) => {
    const id = await fx.freshToken();
    return [
      {
        target: "a token",
        request: { method: "DELETE", path: `/v1/tokens/${id}` },
        status: first(role(t, isAdmin)) || 200,
      },
      {
        target: "missing",
        request: { method: "DELETE", path: `/v1/tokens/${MISSING.token}` },
        status: first(role(t, isAdmin)) || 404,
      },
    ];
  },

  // ---- AWS identities (issue 17): admin only, like tokens. The login needs no token; its signed
  // requests are tested in test/integration/aws-auth, so it has no case here.
  "POST /v1/auth/aws": () => [],
  "POST /v1/aws-identities": (t, fx) => [
    {
      target: "new binding",
      request: {
        method: "POST",
        path: "/v1/aws-identities",
        body: {
          name: "bound",
          principalArn: `arn:aws:iam::123456789012:role/${fx.uid("matrix")}`,
          role: "agent",
          environmentId: home(t),
        },
      },
      status: first(role(t, isAdmin)) || 201,
    },
  ],
  "GET /v1/aws-identities": (t) => [
    {
      target: "list",
      request: { method: "GET", path: "/v1/aws-identities" },
      status: first(role(t, isAdmin)) || 200,
    },
  ],
  "DELETE /v1/aws-identities/{awsIdentityId}": (t) => [
    {
      target: "missing",
      request: { method: "DELETE", path: "/v1/aws-identities/awsid_01nope0000000000000000000" },
      status: first(role(t, isAdmin)) || 404,
    },
  ],

  // ---- audit
  "GET /v1/audit": (t) => {
    const audit = (env?: string): Request => ({
      method: "GET",
      path: `/v1/audit?${query({ environmentId: env })}`,
    });
    const ownEnv = listCheck(t, "audit events", "environmentId", (e) => isAdmin(t) || e === t.environmentId);
    // A space-bound token sees the events of its own space only, as it sees only that space's spaces list.
    const ownSpace = listCheck(
      t,
      "audit events of another space",
      "target",
      (target) => isAdmin(t) || !t.spaceId || (target as { spaceId?: string })?.spaceId === t.spaceId,
    );
    const check = (body: unknown) => ownEnv(body) ?? ownSpace(body);
    return [
      { target: "home env", request: audit(home(t)), status: first(role(t, isManager)) || 200, check },
      {
        target: "foreign env",
        request: audit(foreign(t)),
        status: isAdmin(t) ? 200 : 404,
        twin: [[foreign(t), MISSING.env]],
      },
      // An admin may read the (empty) log of any id; for everyone else it is not theirs.
      { target: "missing env", request: audit(MISSING.env), status: isAdmin(t) ? 200 : 404 },
      { target: "no env given", request: audit(), status: first(role(t, isManager)) || 200, check },
    ];
  },
};

function spaceByIdCases(
  t: WorldToken,
  method: "GET" | "PATCH",
  allowed: (t: WorldToken) => boolean,
  success: number,
): Case[] {
  const request = (id: string): Request => ({
    method,
    path: `/v1/spaces/${id}`,
    ...(method === "PATCH" ? { body: { name: `space ${id}` } } : {}),
  });
  return [
    ...[
      ["home space", home(t), homeSpace(t)],
      ["sibling space", home(t), sibling(t)],
      ["foreign space", foreign(t), foreignSpace(t)],
    ].map(([target, env, id]) => {
      const status =
        first(exists(visible(t, { environmentId: env as string, spaceId: id })), role(t, allowed)) || success;
      return {
        target: target as string,
        request: request(id as string),
        status,
        ...(status === 404 ? { twin: [[id, MISSING.space]] as Array<[string, string]> } : {}),
      };
    }),
    { target: "missing", request: request(MISSING.space), status: 404 },
  ];
}

/** GET /v1/secrets over every scope target, as a list and as the agent hot path (name=SHARED). */
function secretReadCases(t: WorldToken): Case[] {
  const cases: Case[] = [];
  for (const c of scopeTargets(t))
    for (const name of [undefined, "SHARED"]) {
      const status = first(namedScope(t, c.env, c.space), exists(c.exists)) || 200;
      cases.push({
        target: `${c.target}${name ? " by name" : ""}`,
        request: {
          method: "GET",
          path: `/v1/secrets?${query({ environmentId: c.env, spaceId: c.space, name })}`,
        },
        status,
        ...(status === 404 && c.twin ? { twin: c.twin } : {}),
      });
    }
  cases.push({
    target: "missing name in home scope",
    request: {
      method: "GET",
      path: `/v1/secrets?${query({ environmentId: home(t), spaceId: homeSpace(t), name: "NO_SUCH_NAME" })}`,
    },
    status: 404,
  });
  return cases;
}
