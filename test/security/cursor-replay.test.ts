import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, OPENAPI_INFO } from "../../lambdas/api/app.ts";
import type { Services } from "../../lambdas/api/context.ts";
import { TARGET_START_TIMEOUT_MS, TARGETS } from "../support/targets.ts";
import { type SecurityTarget, securityTarget } from "./support/target.ts";
import { buildWorld, createSecret, type World, type WorldToken } from "./support/world.ts";

/**
 * Issue 13, cross-scope cursor replay: a real cursor of scope A (page 1 of a listing there) sent with scope B
 * at every paginated route. The answer is a 2xx holding only B's items, or a 4xx; never one of A's ids, names
 * or values. A cursor carries only a position, never a partition: the route rebuilds the partition from B.
 */
describe.each(TARGETS)("cursor replay ($name)", ({ name: target, skip }) => {
  describe.skipIf(skip)(skip ? `skipped: ${skip}` : "cursor replay", () => {
    let t: SecurityTarget;
    let world: World;
    const tok = (label: string): WorldToken => {
      const found = world.scoped.find((x) => x.label === label);
      if (!found) throw new Error(`no token ${label}`);
      return found;
    };

    beforeAll(async () => {
      t = await securityTarget("cursor-replay", target);
      world = await buildWorld(t.call, t.adminToken);
      // More than one page everywhere, and the same names in both environments.
      for (const env of ["env_a", "env_b"])
        for (let i = 0; i < 3; i++)
          await createSecret(t.call, t.adminToken, { environmentId: env }, `PAGED_${i}`);
      const same = world.secrets.filter((s) => s.name === "SHARED" && !s.spaceId);
      for (const s of same)
        for (let v = 0; v < 3; v++)
          await t.call("POST", "/v1/secrets", {
            token: t.adminToken,
            body: { environmentId: s.environmentId, name: "SHARED", value: `${s.value}#${v}` },
          });
    }, TARGET_START_TIMEOUT_MS + 120_000);
    afterAll(async () => {
      t?.tally.print();
      await t?.stop();
    });

    /** Everything that names or holds something of environment A (env_a) or space spc_a1. */
    function traces(): string[] {
      const ofA = world.secrets.filter((s) => s.environmentId === "env_a");
      return ["env_a", "spc_a1", "spc_a2", ...ofA.map((s) => s.id), ...ofA.map((s) => s.value)];
    }

    async function firstCursor(path: string, token: string): Promise<string> {
      const sep = path.includes("?") ? "&" : "?";
      const res = await t.call("GET", `${path}${sep}limit=1`, { token });
      expect(res.status, path).toBe(200);
      expect(res.body.cursor, `${path} has a second page`).toBeTypeOf("string");
      return res.body.cursor;
    }

    async function replay(path: string, cursor: string, token: string) {
      const sep = path.includes("?") ? "&" : "?";
      const res = await t.call("GET", `${path}${sep}limit=1000&cursor=${encodeURIComponent(cursor)}`, {
        token,
      });
      expect([200, 400, 403, 404], `${path} → ${res.status}`).toContain(res.status);
      // An error may name the ids the caller itself sent (SECURITY.md), nothing else of A.
      for (const trace of traces().filter((x) => !path.includes(x)))
        expect(res.text.includes(trace), `${path} carries ${trace.slice(0, 12)}…`).toBe(false);
      return res;
    }

    describe("security: cross-scope cursor replay", () => {
      it("covers every paginated route the app serves", () => {
        // Read from the app's OpenAPI document: a new route with a cursor parameter fails this until it is covered.
        const inert = () => Promise.reject(new Error("not served"));
        const doc = createApp({
          services: {} as Services,
          principalOf: inert,
          version: "0",
        }).getOpenAPI31Document(OPENAPI_INFO);
        const paginated = Object.entries(doc.paths ?? {})
          .filter(([, item]) =>
            ((item as { get?: { parameters?: Array<{ name?: string }> } }).get?.parameters ?? []).some(
              (p) => p.name === "cursor",
            ),
          )
          .map(([path]) => path);
        expect(paginated.sort()).toEqual(
          [
            "/v1/audit",
            "/v1/aws-identities",
            "/v1/environments",
            "/v1/secrets",
            "/v1/secrets/{secretId}/versions",
            "/v1/spaces",
            "/v1/tokens",
          ].sort(),
        );
      });

      it("GET /v1/environments: an admin's cursor replayed by environment B's operator", async () => {
        const cursor = await firstCursor("/v1/environments", t.adminToken);
        const res = await replay("/v1/environments", cursor, tok("operator@env_b").token);
        expect(res.status).toBe(200);
      });

      it("GET /v1/spaces: A's cursor at B, by B's operator and by B's space-bound agent", async () => {
        const cursor = await firstCursor("/v1/spaces?environmentId=env_a", tok("operator@env_a").token);
        expect(
          (await replay("/v1/spaces?environmentId=env_b", cursor, tok("operator@env_b").token)).status,
        ).toBe(200);
        await replay("/v1/spaces?environmentId=env_b", cursor, tok("agent@spc_b1").token);
        expect(
          (await replay("/v1/spaces?environmentId=env_a", cursor, tok("operator@env_b").token)).status,
        ).toBe(404);
      });

      it("GET /v1/secrets: A's environment and space cursors at B's environment and space", async () => {
        const envCursor = await firstCursor("/v1/secrets?environmentId=env_a", tok("agent@env_a").token);
        const spaceCursor = await firstCursor(
          "/v1/secrets?environmentId=env_a&spaceId=spc_a1",
          tok("agent@spc_a1").token,
        );
        for (const cursor of [envCursor, spaceCursor]) {
          const res = await replay("/v1/secrets?environmentId=env_b", cursor, tok("agent@env_b").token);
          expect(res.status).toBe(200);
          await replay("/v1/secrets?environmentId=env_b&spaceId=spc_b1", cursor, tok("agent@spc_b1").token);
          await replay("/v1/secrets?environmentId=env_b&spaceId=spc_b1", cursor, t.adminToken);
        }
      });

      it("GET /v1/secrets/{id}/versions: A's cursor on B's secret of the same name", async () => {
        const a = world.secrets.find((s) => s.environmentId === "env_a" && s.name === "SHARED" && !s.spaceId);
        const b = world.secrets.find((s) => s.environmentId === "env_b" && s.name === "SHARED" && !s.spaceId);
        if (!a || !b) throw new Error("fixture");
        const cursor = await firstCursor(`/v1/secrets/${a.id}/versions`, tok("operator@env_a").token);
        const res = await replay(`/v1/secrets/${b.id}/versions`, cursor, tok("operator@env_b").token);
        expect(res.status).toBe(200);
        // And A's own secret stays out of reach with any cursor.
        expect(
          (await replay(`/v1/secrets/${a.id}/versions`, cursor, tok("operator@env_b").token)).status,
        ).toBe(404);
      });

      it("GET /v1/tokens: an admin's cursor is useless to anyone else", async () => {
        const cursor = await firstCursor("/v1/tokens", t.adminToken);
        for (const label of ["operator@env_b", "agent@env_b"]) {
          const res = await t.call("GET", `/v1/tokens?cursor=${encodeURIComponent(cursor)}`, {
            token: tok(label).token,
          });
          expect(res.status).toBe(403);
          expect(res.text).not.toContain("tok_");
        }
      });

      it("GET /v1/aws-identities: an admin's cursor is useless to anyone else", async () => {
        for (const [i, environmentId] of ["env_a", "env_b"].entries()) {
          const res = await t.call("POST", "/v1/aws-identities", {
            token: t.adminToken,
            body: {
              name: `replay ${i}`,
              principalArn: `arn:aws:iam::111122223333:role/replay-${i}`,
              role: "agent",
              environmentId,
            },
          });
          expect(res.status).toBe(201);
        }
        const cursor = await firstCursor("/v1/aws-identities", t.adminToken);
        for (const label of ["operator@env_a", "operator@env_b", "agent@spc_b1"]) {
          const res = await t.call("GET", `/v1/aws-identities?cursor=${encodeURIComponent(cursor)}`, {
            token: tok(label).token,
          });
          expect(res.status).toBe(403);
          expect(res.text).not.toContain("replay-");
        }
        // Another route's cursor at this one: a 4xx or a page of bindings, nothing else.
        const foreign = await firstCursor("/v1/tokens", t.adminToken);
        const res = await t.call("GET", `/v1/aws-identities?cursor=${encodeURIComponent(foreign)}`, {
          token: t.adminToken,
        });
        expect([200, 400]).toContain(res.status);
        for (const b of res.body.data ?? []) expect(b.principalArn).toMatch(/^arn:aws:iam::/);
      });

      it("GET /v1/audit: A's cursor at B's environment and at B's space", async () => {
        const cursor = await firstCursor("/v1/audit?environmentId=env_a", tok("operator@env_a").token);
        const spaceCursor = await firstCursor("/v1/audit?environmentId=env_a", tok("operator@spc_a1").token);
        for (const c of [cursor, spaceCursor]) {
          expect((await replay("/v1/audit?environmentId=env_b", c, tok("operator@env_b").token)).status).toBe(
            200,
          );
          const res = await replay("/v1/audit?environmentId=env_b", c, tok("operator@spc_b1").token);
          for (const e of res.body.data ?? []) expect(e.target.spaceId).toBe("spc_b1");
        }
        // A sibling space's cursor inside the same environment reveals nothing of the sibling either.
        const sibling = await t.call(
          "GET",
          `/v1/audit?environmentId=env_a&limit=1000&cursor=${encodeURIComponent(spaceCursor)}`,
          {
            token: tok("operator@spc_a1").token,
          },
        );
        for (const e of sibling.body.data ?? []) expect(e.target.spaceId).toBe("spc_a1");
      });
    });
  });
});
