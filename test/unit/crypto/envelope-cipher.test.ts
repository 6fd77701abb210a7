import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../lambdas/core/errors.ts";
import type { EncryptionContext } from "../../../lambdas/core/ports.ts";
import type { Envelope } from "../../../lambdas/core/types.ts";
import { DataKeyCache } from "../../../lambdas/crypto/data-key-cache.ts";
import { EnvelopeCipher } from "../../../lambdas/crypto/envelope-cipher.ts";
import { type DataKey, type Keyring, newKeyringStats } from "../../../lambdas/crypto/keyring.ts";
import { LocalKeyring } from "../../../lambdas/crypto/local-keyring.ts";

const CTX: EncryptionContext = { environmentId: "env_1", spaceId: "sp_1", name: "API_TOKEN", version: 3 };
const VALUE = "s3cr3t-value-do-not-leak";

const localKeyring = (): LocalKeyring => LocalKeyring.fromKey(randomBytes(32));

const rejection = async (promise: Promise<unknown>): Promise<AppError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

/** Flips one bit of a base64 field. */
const flip = (field: string, index = 0): string => {
  const bytes = Buffer.from(field, "base64");
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString("base64");
};

/** A keyring that ignores the context, so only the cipher's own AAD can notice a moved envelope. */
class ContextBlindKeyring implements Keyring {
  readonly keyId = "blind";
  readonly stats = newKeyringStats();
  readonly #key = randomBytes(32);

  async generateDataKey(): Promise<DataKey> {
    this.stats.generateDataKey++;
    return { plaintext: Buffer.from(this.#key), wrapped: Buffer.from("wrapped"), keyId: this.keyId };
  }

  async decryptDataKey(): Promise<Buffer> {
    this.stats.decrypt++;
    return Buffer.from(this.#key);
  }
}

describe("EnvelopeCipher round trip", () => {
  it.each([
    ["a short value", VALUE],
    ["an empty value", ""],
    ["unicode", "pässwörd 🔑 密码 — ñ"],
    ["a 64 KiB value", randomBytes(48 * 1024).toString("base64")],
  ])("opens what it sealed: %s", async (_label, value) => {
    // Prepare
    const cipher = new EnvelopeCipher(localKeyring());

    // Act
    const envelope = await cipher.seal(value, CTX);
    const opened = await cipher.open(envelope, CTX);

    // Assess
    expect(opened).toBe(value);
  });

  it("stores AES-256-GCM fields in base64 with the keyring's key id and no plaintext", async () => {
    // Prepare
    const keyring = localKeyring();
    const cipher = new EnvelopeCipher(keyring);

    // Act
    const envelope = await cipher.seal(VALUE, CTX);

    // Assess
    expect(envelope.alg).toBe("AES-256-GCM");
    expect(Buffer.from(envelope.iv, "base64")).toHaveLength(12);
    expect(Buffer.from(envelope.tag, "base64")).toHaveLength(16);
    expect(Buffer.from(envelope.ct, "base64")).toHaveLength(Buffer.byteLength(VALUE));
    expect(envelope.keyId).toBe(keyring.keyId);
    expect(JSON.stringify(envelope)).not.toContain(VALUE);
    expect(JSON.stringify(envelope)).not.toContain(Buffer.from(VALUE).toString("base64").slice(0, 12));
  });

  it("uses a fresh IV and data key for every seal", async () => {
    // Prepare
    const cipher = new EnvelopeCipher(localKeyring());

    // Act
    const a = await cipher.seal(VALUE, CTX);
    const b = await cipher.seal(VALUE, CTX);

    // Assess
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
  });
});

const moves: [string, EncryptionContext][] = [
  ["another name", { ...CTX, name: "OTHER_TOKEN" }],
  ["another environment", { ...CTX, environmentId: "env_2" }],
  ["another space", { ...CTX, spaceId: "sp_2" }],
  ["the environment itself", { ...CTX, spaceId: undefined }],
  ["another version", { ...CTX, version: 4 }],
];

describe("EnvelopeCipher tamper detection", () => {
  it.each(moves)("refuses an envelope opened under %s (warm cache)", async (_label, other) => {
    // Prepare
    const cipher = new EnvelopeCipher(localKeyring(), new DataKeyCache());
    const envelope = await cipher.seal(VALUE, CTX);

    // Act
    const error = await rejection(cipher.open(envelope, other));

    // Assess
    expect(error.code).toBe("integrity");
    expect(error.message).toContain(`the stored value of ${other.name} failed its integrity check`);
    expect(error.message).not.toContain(VALUE);
  });

  it.each(moves)("refuses an envelope opened under %s (no cache)", async (_label, other) => {
    // Prepare
    const keyring = localKeyring();
    const envelope = await new EnvelopeCipher(keyring).seal(VALUE, CTX);

    // Act
    const error = await rejection(new EnvelopeCipher(keyring).open(envelope, other));

    // Assess
    expect(error.code).toBe("integrity");
    expect(error.message).not.toContain(VALUE);
  });

  it.each(moves)(
    "refuses %s through the AAD even when the keyring ignores the context",
    async (_label, other) => {
      // Prepare
      const cipher = new EnvelopeCipher(new ContextBlindKeyring());
      const envelope = await cipher.seal(VALUE, CTX);

      // Act
      const error = await rejection(cipher.open(envelope, other));

      // Assess
      expect(error.code).toBe("integrity");
      expect(error.message).toMatch(/not sealed for this scope, name and version, or it was altered/);
    },
  );

  it.each(["ct", "tag", "iv", "wrappedKey"] as const)(
    "refuses an envelope with a flipped %s byte",
    async (field) => {
      // Prepare
      const keyring = localKeyring();
      const envelope = await new EnvelopeCipher(keyring).seal(VALUE, CTX);
      const tampered: Envelope = { ...envelope, [field]: flip(envelope[field], 5) };

      // Act
      const error = await rejection(new EnvelopeCipher(keyring, new DataKeyCache()).open(tampered, CTX));

      // Assess
      expect(error.code).toBe("integrity");
      expect(error.message).not.toContain(VALUE);
    },
  );

  it("refuses a flipped ciphertext byte even when the data key is cached", async () => {
    // Prepare
    const cipher = new EnvelopeCipher(localKeyring(), new DataKeyCache());
    const envelope = await cipher.seal(VALUE, CTX);

    // Act
    const error = await rejection(cipher.open({ ...envelope, ct: flip(envelope.ct, 0) }, CTX));

    // Assess
    expect(error.code).toBe("integrity");
  });

  it("refuses an unknown algorithm", async () => {
    // Prepare
    const cipher = new EnvelopeCipher(localKeyring());
    const envelope = await cipher.seal(VALUE, CTX);
    const other = { ...envelope, alg: "AES-128-CBC" } as unknown as Envelope;

    // Act
    const error = await rejection(cipher.open(other, CTX));

    // Assess
    expect(error.code).toBe("integrity");
    expect(error.message).toMatch(/unknown algorithm/);
  });

  it("refuses a truncated tag or an incomplete envelope instead of crashing", async () => {
    // Prepare
    const cipher = new EnvelopeCipher(localKeyring());
    const envelope = await cipher.seal(VALUE, CTX);
    const shortTag = {
      ...envelope,
      tag: Buffer.from(envelope.tag, "base64").subarray(0, 8).toString("base64"),
    };
    const noIv = { ...envelope, iv: undefined } as unknown as Envelope;

    // Act
    const errors = await Promise.all([
      rejection(cipher.open(shortTag, CTX)),
      rejection(cipher.open(noIv, CTX)),
    ]);

    // Assess
    expect(errors.map((e) => e.code)).toEqual(["integrity", "integrity"]);
  });

  it("passes an unavailable keyring through unchanged", async () => {
    // Prepare
    const down = new AppError("unavailable", "the encryption key is disabled; enable it in KMS");
    const keyring: Keyring = {
      keyId: "down",
      stats: newKeyringStats(),
      generateDataKey: () => Promise.reject(down),
      decryptDataKey: () => Promise.reject(down),
    };
    const envelope = await new EnvelopeCipher(localKeyring()).seal(VALUE, CTX);

    // Act
    const error = await rejection(new EnvelopeCipher(keyring, new DataKeyCache()).open(envelope, CTX));

    // Assess
    expect(error).toBe(down);
  });
});

describe("EnvelopeCipher data key cache", () => {
  it("opens right after a seal with no keyring decrypt call", async () => {
    // Prepare
    const keyring = localKeyring();
    const cache = new DataKeyCache();
    const cipher = new EnvelopeCipher(keyring, cache);
    const envelope = await cipher.seal(VALUE, CTX);

    // Act
    const opened = await cipher.open(envelope, CTX);

    // Assess
    expect(opened).toBe(VALUE);
    expect(keyring.stats).toEqual({ generateDataKey: 1, decrypt: 0 });
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 0 });
  });

  it("costs one decrypt on a cold cache and none for the next 1000 opens", async () => {
    // Prepare
    const keyring = localKeyring();
    const envelope = await new EnvelopeCipher(keyring).seal(VALUE, CTX);
    const cache = new DataKeyCache();
    const cipher = new EnvelopeCipher(keyring, cache);

    // Act
    await cipher.open(envelope, CTX);
    const afterFirst = keyring.stats.decrypt;
    for (let i = 0; i < 1000; i++) await cipher.open(envelope, CTX);

    // Assess
    expect(afterFirst).toBe(1);
    expect(keyring.stats.decrypt).toBe(1);
    expect(cache.stats()).toEqual({ hits: 1000, misses: 1, size: 1 });
  });

  it("shares one decrypt among concurrent cold opens", async () => {
    // Prepare
    const keyring = localKeyring();
    const envelope = await new EnvelopeCipher(keyring).seal(VALUE, CTX);
    const cipher = new EnvelopeCipher(keyring, new DataKeyCache());

    // Act
    const opened = await Promise.all(Array.from({ length: 50 }, () => cipher.open(envelope, CTX)));

    // Assess
    expect(new Set(opened)).toEqual(new Set([VALUE]));
    expect(keyring.stats.decrypt).toBe(1);
  });

  it("calls the keyring on every open without a cache", async () => {
    // Prepare
    const keyring = localKeyring();
    const cipher = new EnvelopeCipher(keyring);
    const envelope = await cipher.seal(VALUE, CTX);

    // Act
    for (let i = 0; i < 3; i++) await cipher.open(envelope, CTX);

    // Assess
    expect(keyring.stats.decrypt).toBe(3);
  });

  it("goes back to the keyring once an entry has expired", async () => {
    // Prepare
    let now = Date.parse("2025-01-01T00:00:00Z");
    const keyring = localKeyring();
    const cipher = new EnvelopeCipher(keyring, new DataKeyCache({ clock: { now: () => new Date(now) } }));
    const envelope = await cipher.seal(VALUE, CTX);

    // Act
    now += 5 * 60_000 - 1;
    await cipher.open(envelope, CTX);
    const beforeExpiry = keyring.stats.decrypt;
    now += 1;
    await cipher.open(envelope, CTX);

    // Assess
    expect(beforeExpiry).toBe(0);
    expect(keyring.stats.decrypt).toBe(1);
  });

  it("keeps at most maxEntries data keys, dropping the least recently used", async () => {
    // Prepare
    const keyring = localKeyring();
    const cache = new DataKeyCache({ maxEntries: 2 });
    const cipher = new EnvelopeCipher(keyring, cache);
    const a = await cipher.seal("a", { ...CTX, name: "A" });
    const b = await cipher.seal("b", { ...CTX, name: "B" });
    await cipher.open(a, { ...CTX, name: "A" });

    // Act
    await cipher.seal("c", { ...CTX, name: "C" });
    await cipher.open(a, { ...CTX, name: "A" });
    const afterA = keyring.stats.decrypt;
    await cipher.open(b, { ...CTX, name: "B" });

    // Assess
    expect(cache.stats().size).toBe(2);
    expect(afterA).toBe(0);
    expect(keyring.stats.decrypt).toBe(1);
  });
});
