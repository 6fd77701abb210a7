import { describe, expect, it } from "vitest";
import { newId } from "../../lambdas/core/ids.ts";

describe("newId", () => {
  it("a kind prefix and a lowercase ULID; unique; later ids sort after earlier ones", async () => {
    const ids = Array.from({ length: 20_000 }, () => newId("evt"));
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^evt_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const before = newId("sec");
    await new Promise((r) => setTimeout(r, 5));
    expect(newId("sec") > before).toBe(true);
  });

  it("the random part uses all 32 characters about evenly (the pooled bytes map to uniform characters)", () => {
    const counts = new Map<string, number>();
    const n = 4_000;
    for (let i = 0; i < n; i++)
      for (const ch of newId("tok").slice(-16)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    // 64,000 characters: 2,000 expected per character; a broken mapping is far outside ±20 %.
    for (const c of counts.values()) expect(Math.abs(c - 2_000)).toBeLessThan(400);
  });
});
