import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TARGET_START_TIMEOUT_MS, TARGETS } from "../support/targets.ts";
import { findInText, type Needle } from "./support/leaks.ts";
import { type SecurityTarget, securityTarget } from "./support/target.ts";
import { buildWorld, ENVS, spacesOf, type World, type WorldToken } from "./support/world.ts";

/**
 * Issue 13, stronger fuzz: random requests from every token of the world (admin, operators and agents bound
 * to environments and spaces, a revoked token, none) against the real server, judged by an authorization-aware
 * oracle: an operator never receives a value in any 2xx; no body of any status carries a value of a scope the
 * token may not see; no body carries a token string. Every 2xx body is scanned. Writes add values the oracle
 * tracks by scope. SECURITY_FUZZ_SEED replays a run; SECURITY_FUZZ_RUNS changes its length (default 5,000).
 */
const RUNS = Number(process.env.SECURITY_FUZZ_RUNS ?? 5000);
const SEED = Number(process.env.SECURITY_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TIME_CAP_MS = 240_000;

describe.each(TARGETS)("fuzz oracle ($name)", ({ name: target, skip }) => {
  describe.skipIf(skip)(skip ? `skipped: ${skip}` : "fuzz oracle", () => {
    let t: SecurityTarget;
    let world: World;
    /** Every value ever written, with the scope it was written at. */
    const values: Array<{ text: string; environmentId: string; spaceId?: string | undefined }> = [];

    beforeAll(async () => {
      t = await securityTarget("fuzz-oracle", target);
      world = await buildWorld(t.call, t.adminToken);
      // The world's revoked token must be refused before the oracle judges it (the cloud path's cache TTL).
      await t.afterRevoke?.();
      for (const s of world.secrets)
        values.push({ text: s.value, environmentId: s.environmentId, spaceId: s.spaceId });
    }, TARGET_START_TIMEOUT_MS + 120_000);
    afterAll(async () => {
      t?.tally.print();
      await t?.stop();
    });

    /** Scopes a token may read values of: admin all; an agent its environment (all spaces) or its one space and its environment. */
    function mayRead(
      token: WorldToken | undefined,
      v: { environmentId: string; spaceId?: string | undefined },
    ): boolean {
      if (!token) return false;
      if (token.role === "admin") return true;
      if (token.role !== "agent" || token.environmentId !== v.environmentId) return false;
      return token.spaceId === undefined || v.spaceId === undefined || v.spaceId === token.spaceId;
    }

    const ids = () => [
      ...ENVS,
      ...ENVS.flatMap((e) => spacesOf(e)),
      ...world.secrets.map((s) => s.id),
      ...world.scoped.map((s) => s.id),
      "_",
      "nope",
      "%2e%2e",
    ];

    function requestArb() {
      const id = fc.constantFrom(...ids());
      const env = fc.constantFrom(...ENVS, "_", "nope");
      const space = fc.option(fc.constantFrom(...ENVS.flatMap((e) => spacesOf(e)), "nope"), {
        nil: undefined,
      });
      const name = fc.constantFrom("SHARED", "ENV_ONLY", "SPACE_ONLY", "FUZZ_A", "FUZZ_B", "bad name");
      const tokenIndex = fc.integer({ min: -2, max: world.scoped.length });
      const q = (o: Record<string, string | undefined>) =>
        new URLSearchParams(
          Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined),
        ).toString();
      const cursor = fc.option(fc.constantFrom("eyJzayI6IkFVRElUIn0", "eyJuYW1lIjoiU0hBUkVEIn0", "x"), {
        nil: undefined,
      });
      const req = fc.oneof(
        fc.record({ env, space, name: fc.option(name, { nil: undefined }), cursor }).map((r) => ({
          method: "GET",
          path: `/v1/secrets?${q({ environmentId: r.env, spaceId: r.space, name: r.name, cursor: r.cursor })}`,
        })),
        id.map((i) => ({ method: "GET", path: `/v1/secrets/${i}` })),
        id.map((i) => ({ method: "GET", path: `/v1/secrets/${i}/versions` })),
        fc.record({ i: id, v: fc.integer({ min: 0, max: 4 }) }).map((r) => ({
          method: "POST",
          path: `/v1/secrets/${r.i}/rollback`,
          body: { version: r.v },
        })),
        fc.record({ env, space, name }).map((r) => ({
          method: "POST",
          path: "/v1/secrets",
          body: { environmentId: r.env, ...(r.space ? { spaceId: r.space } : {}), name: r.name, value: "" },
        })),
        id.map((i) => ({ method: "DELETE", path: `/v1/secrets/${i}` })),
        fc.record({ env, cursor }).map((r) => ({
          method: "GET",
          path: `/v1/audit?${q({ environmentId: r.env, cursor: r.cursor })}`,
        })),
        env.map((e) => ({ method: "GET", path: `/v1/spaces?environmentId=${e}` })),
        id.map((i) => ({ method: "GET", path: `/v1/spaces/${i}` })),
        id.map((i) => ({ method: "GET", path: `/v1/environments/${i}` })),
        fc.constant({ method: "GET", path: "/v1/environments" }),
        fc.constant({ method: "GET", path: "/v1/tokens" }),
        fc.constant({ method: "GET", path: "/v1/whoami" }),
      );
      return fc.record({ req, tokenIndex });
    }

    describe("security: fuzz with an authorization-aware oracle", () => {
      it(
        `${RUNS} random requests: no value crosses its scope, operators never read one, no token echoed`,
        async () => {
          console.log(`security/fuzz-oracle: seed ${SEED} (replay with SECURITY_FUZZ_SEED=${SEED})`);
          const tokens = [world.admin, ...world.scoped];
          const tokenNeedles: Needle[] = [world.admin, ...world.scoped, world.revoked].map((x) => ({
            label: `token ${x.label}`,
            text: x.token,
          }));
          let runs = 0;
          let twoXx = 0;
          const started = performance.now();
          await fc.assert(
            fc.asyncProperty(requestArb(), async ({ req, tokenIndex }) => {
              runs++;
              const token =
                tokenIndex === -1 ? world.revoked : tokenIndex === -2 ? undefined : tokens[tokenIndex];
              let body = "body" in req ? (req.body as Record<string, unknown>) : undefined;
              let written: (typeof values)[number] | undefined;
              if (req.method === "POST" && req.path === "/v1/secrets" && body) {
                // A fresh, unguessable value for every write, attributed to the scope it names.
                const text = `fuzz:${randomBytes(12).toString("base64url")}`;
                body = { ...body, value: text };
                written = {
                  text,
                  environmentId: String(body.environmentId),
                  spaceId: body.spaceId as string | undefined,
                };
              }
              const res = await t.call(req.method, req.path, { token: token?.token, body });
              if (written && res.status < 300) values.push(written);
              const where = `${req.method} ${req.path} as ${token?.label ?? "nobody"} → ${res.status}`;
              if (res.status >= 200 && res.status < 300) twoXx++;
              expect(res.status, where).toBeLessThan(500);
              // Nothing the token may not read, in any answer of any status.
              const forbidden = values
                .filter((v) => !mayRead(token, v))
                .map((v) => ({ label: "value", text: v.text }));
              expect(findInText(res.text, forbidden, where), where).toEqual([]);
              // An operator's 2xx never holds a value, not even one of its own scope.
              if (token?.role === "operator" && res.status < 300) {
                const all = values.map((v) => ({ label: "value", text: v.text }));
                expect(findInText(res.text, all, where), where).toEqual([]);
                expect(/"value"\s*:/.test(res.text), where).toBe(false);
              }
              expect(findInText(res.text, tokenNeedles, where), where).toEqual([]);
            }),
            {
              numRuns: RUNS,
              seed: SEED,
              interruptAfterTimeLimit: TIME_CAP_MS,
              markInterruptAsFailure: true,
              endOnFailure: true,
            },
          );
          const seconds = Math.round((performance.now() - started) / 100) / 10;
          console.log(
            `security/fuzz-oracle: ${runs} runs (${twoXx} 2xx scanned) in ${seconds} s, seed ${SEED}`,
          );
          expect(runs).toBeGreaterThanOrEqual(RUNS);
          expect(twoXx).toBeGreaterThan(RUNS / 10);
        },
        TIME_CAP_MS + 30_000,
      );
    });
  });
});
