import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { DataKeyCache, type DataKeyRef } from "../../../lambdas/crypto/data-key-cache.ts";
import { toKeyringContext } from "../../../lambdas/crypto/encryption-context.ts";

const ref = (name = "A", wrappedKey = "d3JhcHBlZA=="): DataKeyRef => ({
  keyId: "local:0123456789abcdef",
  wrappedKey,
  context: toKeyringContext({ environmentId: "env_1", name, version: 1 }),
});

describe("DataKeyCache", () => {
  it("counts hits and misses", () => {
    // Prepare
    const cache = new DataKeyCache();
    const key = randomBytes(32);

    // Act
    const before = cache.get(ref());
    cache.set(ref(), key);
    const after = cache.get(ref());

    // Assess
    expect(before).toBeUndefined();
    expect(after?.equals(key)).toBe(true);
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, size: 1 });
  });

  it("misses for the same wrapped key under another context", () => {
    // Prepare
    const cache = new DataKeyCache();
    cache.set(ref("A"), randomBytes(32));

    // Act
    const other = cache.get(ref("B"));

    // Assess
    expect(other).toBeUndefined();
  });

  it("hands out copies, so a caller zeroing its key does not corrupt the cache", () => {
    // Prepare
    const cache = new DataKeyCache();
    const key = randomBytes(32);
    cache.set(ref(), key);
    const original = Buffer.from(key);

    // Act
    key.fill(0);
    cache.get(ref())?.fill(0);

    // Assess
    expect(cache.get(ref())?.equals(original)).toBe(true);
  });

  it("expires entries after the TTL, counted from when they were stored", () => {
    // Prepare
    let now = 0;
    const cache = new DataKeyCache({ ttlMs: 1000, clock: { now: () => new Date(now) } });
    cache.set(ref(), randomBytes(32));

    // Act
    now = 999;
    const fresh = cache.get(ref());
    now = 1000;
    const expired = cache.get(ref());

    // Assess
    expect(fresh).toBeDefined();
    expect(expired).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, size: 0 });
  });

  it("never holds more than maxEntries", () => {
    // Prepare
    const cache = new DataKeyCache({ maxEntries: 10 });

    // Act
    for (let i = 0; i < 25; i++) cache.set(ref(`N${i}`), randomBytes(32));

    // Assess
    expect(cache.stats().size).toBe(10);
    expect(cache.get(ref("N14"))).toBeUndefined();
    expect(cache.get(ref("N15"))).toBeDefined();
  });

  it("empties on clear", () => {
    // Prepare
    const cache = new DataKeyCache();
    cache.set(ref(), randomBytes(32));

    // Act
    cache.clear();

    // Assess
    expect(cache.get(ref())).toBeUndefined();
    expect(cache.stats().size).toBe(0);
  });

  it("does not keep a failed load", async () => {
    // Prepare
    const cache = new DataKeyCache();
    const key = randomBytes(32);

    // Act
    await expect(cache.getOrLoad(ref(), () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    const loaded = await cache.getOrLoad(ref(), async () => key);

    // Assess
    expect(loaded.equals(key)).toBe(true);
    expect(cache.stats()).toEqual({ hits: 0, misses: 2, size: 1 });
  });

  it.each([[{ ttlMs: 5 * 60_000 + 1 }], [{ ttlMs: 0 }], [{ maxEntries: 0 }], [{ maxEntries: 1.5 }]])(
    "rejects options %o",
    (options) => {
      // Act
      const create = (): DataKeyCache => new DataKeyCache(options);

      // Assess
      expect(create).toThrow(RangeError);
    },
  );

  it("never shows a data key when inspected", () => {
    // Prepare
    const cache = new DataKeyCache();
    const key = randomBytes(32);
    cache.set(ref(), key);

    // Act
    const shown = inspect(cache, { depth: 5, showHidden: true });

    // Assess
    expect(shown).not.toContain(inspect(key.subarray(0, 6)).slice("<Buffer ".length, -1));
  });
});
