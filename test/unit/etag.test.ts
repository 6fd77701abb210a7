import { describe, expect, it } from "vitest";
import { ifNoneMatchHits, secretsEtag } from "../../lambdas/api/etag.ts";
import type { Lookup } from "../../lambdas/core/secret-service.ts";
import type { StoredSecret } from "../../lambdas/core/types.ts";

const stored = (over: Partial<StoredSecret> = {}): StoredSecret => ({
  id: "sec_1",
  name: "API_KEY",
  environmentId: "env_1",
  version: 3,
  envelope: { alg: "AES-256-GCM", iv: "aXY=", ct: "Y3Q=", tag: "dGFn", wrappedKey: "d2s=", keyId: "local:1" },
  createdAt: "2026-11-30T00:00:00.000Z",
  updatedAt: "2026-11-30T01:00:00.000Z",
  updatedBy: "tok_1",
  ...over,
});
const scope = { environmentId: "env_1" };
const lookup = (s: StoredSecret, extra: Partial<Lookup> = {}): Lookup => ({
  entries: [{ stored: s, inherited: false, overridden: false }],
  single: true,
  scope,
  ...extra,
});

describe("secretsEtag", () => {
  it("is a strong, quoted tag that depends on metadata, the view and the request", () => {
    const base = secretsEtag(lookup(stored()), { scope, name: "API_KEY", reveal: true });
    expect(base).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(secretsEtag(lookup(stored()), { scope, name: "API_KEY", reveal: true })).toBe(base);
    const variants = [
      secretsEtag(lookup(stored({ version: 4 })), { scope, name: "API_KEY", reveal: true }),
      secretsEtag(lookup(stored({ id: "sec_2" })), { scope, name: "API_KEY", reveal: true }),
      secretsEtag(lookup(stored({ updatedBy: "tok_2" })), { scope, name: "API_KEY", reveal: true }),
      secretsEtag(lookup(stored()), { scope, name: "API_KEY", reveal: false }),
      secretsEtag(lookup(stored()), { scope: { ...scope, spaceId: "sp_1" }, name: "API_KEY", reveal: true }),
      secretsEtag(lookup(stored(), { cursor: "next" }), { scope, name: "API_KEY", reveal: true }),
      secretsEtag(
        { entries: [{ stored: stored(), inherited: true, overridden: false }], single: true, scope },
        { scope, name: "API_KEY", reveal: true },
      ),
      // A ciphertext swapped under the same version: the reader would now see an integrity error.
      secretsEtag(lookup(stored({ envelope: { ...stored().envelope, tag: "b3RoZXI=" } })), {
        scope,
        name: "API_KEY",
        reveal: true,
      }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    // Without values, the ciphertext is not part of what the caller sees.
    const hidden = (s: StoredSecret) => secretsEtag(lookup(s), { scope, name: "API_KEY", reveal: false });
    expect(hidden(stored({ envelope: { ...stored().envelope, tag: "b3RoZXI=" } }))).toBe(hidden(stored()));
  });

  it("keeps fields apart: moving text between neighbouring fields changes the tag", () => {
    const a = secretsEtag(lookup(stored({ name: "AB", environmentId: "C" })), { scope, reveal: false });
    const b = secretsEtag(lookup(stored({ name: "A", environmentId: "BC" })), { scope, reveal: false });
    expect(a).not.toBe(b);
  });
});

describe("ifNoneMatchHits (RFC 9110 §13.1.2)", () => {
  const tag = '"abc"';
  it.each([
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['"x",W/"abc" , "y"', true],
    [', "abc",', true],
    ["*", true],
    [' "x" , * ', true],
    ['"x,y", "abc"', true],
    ['"x,y"', false],
    ['"ab"', false],
    ["abc", false],
    ['w/"abc"', false],
    ['"abc" junk', false],
    ['"abc', false],
    ["", false],
    ["   ", false],
  ])("If-None-Match: %s → %s", (header, expected) => {
    expect(ifNoneMatchHits(header, tag)).toBe(expected);
  });

  it("matches nothing without the header, and compares a weak current tag by its opaque part", () => {
    expect(ifNoneMatchHits(undefined, tag)).toBe(false);
    expect(ifNoneMatchHits('"abc"', 'W/"abc"')).toBe(true);
  });
});
