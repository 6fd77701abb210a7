import { describe, expect, it } from "vitest";
import { KnownScopes } from "../../lambdas/store/known-scopes.ts";

describe("KnownScopes", () => {
  const a = { environmentId: "env_a", spaceId: "sp_1" };

  it("keeps a scope for its TTL only, and never under another environment", () => {
    let now = 0;
    const known = new KnownScopes(1000, 10, () => now);
    known.remember(a);
    expect(known.has(a)).toBe(true);
    expect(known.has({ environmentId: "env_b", spaceId: "sp_1" })).toBe(false);
    expect(known.has({ environmentId: "env_a" })).toBe(false);
    now = 1000;
    expect(known.has(a)).toBe(false);
  });

  it("forgets a space, and every space of a forgotten environment", () => {
    const known = new KnownScopes(60_000);
    const env = { environmentId: "env_a" };
    const other = { environmentId: "env_a", spaceId: "sp_2" };
    const elsewhere = { environmentId: "env_ab", spaceId: "sp_1" };
    for (const s of [a, env, other, elsewhere]) known.remember(s);
    known.forget(a);
    expect([known.has(a), known.has(other)]).toEqual([false, true]);
    known.forget(env);
    expect([known.has(env), known.has(other), known.has(elsewhere)]).toEqual([false, false, true]);
  });

  it("is off with a TTL of 0 and bounded in size", () => {
    const off = new KnownScopes(0);
    off.remember(a);
    expect(off.has(a)).toBe(false);
    const small = new KnownScopes(60_000, 2);
    const scopes = [1, 2, 3].map((i) => ({ environmentId: `env_${i}` }));
    for (const s of scopes) small.remember(s);
    expect(scopes.map((s) => small.has(s))).toEqual([false, true, true]);
  });
});
