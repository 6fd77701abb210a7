import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../../lambdas/core/errors.ts";
import { toKeyringContext } from "../../../lambdas/crypto/encryption-context.ts";
import { LocalKeyring, localKeyId } from "../../../lambdas/crypto/local-keyring.ts";

const CONTEXT = toKeyringContext({ environmentId: "env_1", spaceId: "sp_1", name: "API_TOKEN", version: 1 });

let dir: string;
let keyPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-keyring-"));
  keyPath = join(dir, "master.key");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rejection = async (promise: Promise<unknown>): Promise<AppError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

describe("LocalKeyring.open", () => {
  it("creates a 32-byte master key with mode 0600", async () => {
    // Act
    const keyring = await LocalKeyring.open(keyPath, { create: true });

    // Assess
    const info = await stat(keyPath);
    expect(info.mode & 0o777).toBe(0o600);
    const key = await readFile(keyPath);
    expect(key).toHaveLength(32);
    expect(keyring.keyId).toMatch(/^local:[0-9a-f]{16}$/);
    expect(keyring.keyId).toBe(localKeyId(key));
  });

  it("reads the existing key on the next open and never overwrites it", async () => {
    // Prepare
    const first = await LocalKeyring.open(keyPath, { create: true });
    const before = await readFile(keyPath);

    // Act
    const second = await LocalKeyring.open(keyPath, { create: true });

    // Assess
    expect(second.keyId).toBe(first.keyId);
    expect((await readFile(keyPath)).equals(before)).toBe(true);
  });

  it("agrees on one key when several processes start at once, and leaves no temporary files", async () => {
    // Act
    const keyrings = await Promise.all(
      Array.from({ length: 12 }, () => LocalKeyring.open(keyPath, { create: true })),
    );

    // Assess
    const ids = new Set(keyrings.map((keyring) => keyring.keyId));
    expect(ids.size).toBe(1);
    expect(await readdir(dir)).toEqual(["master.key"]);
  });

  it("creates the data directory when it does not exist yet", async () => {
    // Prepare
    const nested = join(dir, "data", "master.key");

    // Act
    await LocalKeyring.open(nested, { create: true });

    // Assess
    expect(await readFile(nested)).toHaveLength(32);
  });

  it("refuses a missing key that was expected, naming the path and what to do", async () => {
    // Act
    const error = await rejection(LocalKeyring.open(keyPath, { create: false }));

    // Assess
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain(keyPath);
    expect(error.message).toMatch(/Restore master\.key from your backup/);
    await expect(stat(keyPath)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a key of the wrong length", async () => {
    // Prepare
    await writeFile(keyPath, randomBytes(31), { mode: 0o600 });

    // Act
    const error = await rejection(LocalKeyring.open(keyPath, { create: true }));

    // Assess
    expect(error.message).toContain(keyPath);
    expect(error.message).toMatch(/holds 31 bytes; a master key is exactly 32 bytes/);
  });

  it.each([0o644, 0o640, 0o604])("refuses a key file with mode %o and says chmod 600", async (mode) => {
    // Prepare
    await writeFile(keyPath, randomBytes(32), { mode: 0o600 });
    await chmod(keyPath, mode);

    // Act
    const error = await rejection(LocalKeyring.open(keyPath, { create: true }));

    // Assess
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain(`chmod 600 ${keyPath}`);
  });

  // Root reads a mode-000 file anyway, so this case can only fail (and only means something) for other users.
  it.skipIf(process.getuid?.() === 0)("reports an unreadable key file clearly", async () => {
    // Prepare
    await writeFile(keyPath, randomBytes(32), { mode: 0o600 });
    await chmod(keyPath, 0o000);

    // Act
    const error = await rejection(LocalKeyring.open(keyPath, { create: true }));

    // Assess
    expect(error.message).toMatch(/cannot read the master key file/);
    expect(error.message).toContain("EACCES");
    expect(error.message).toContain(keyPath);
  });

  it("reports a key path that is not a regular file clearly", async () => {
    // Prepare
    await mkdir(keyPath);

    // Act
    const error = await rejection(LocalKeyring.open(keyPath, { create: true }));

    // Assess
    expect(error.message).toMatch(/cannot read the master key file/);
    expect(error.message).toContain(keyPath);
  });

  it("never shows the master key when the keyring is inspected", async () => {
    // Prepare
    const keyring = await LocalKeyring.open(keyPath, { create: true });
    const key = await readFile(keyPath);

    // Act
    const shown = inspect(keyring, { depth: 5, showHidden: true });

    // Assess
    const asInspected = inspect(key.subarray(0, 6)).slice("<Buffer ".length, -1);
    expect(shown).not.toContain(asInspected);
    expect(shown).not.toContain(key.toString("hex").slice(0, 12));
  });
});

describe("LocalKeyring data keys", () => {
  it("wraps a fresh 32-byte data key as iv | tag | ciphertext and unwraps it", async () => {
    // Prepare
    const keyring = LocalKeyring.fromKey(randomBytes(32));

    // Act
    const dataKey = await keyring.generateDataKey(CONTEXT);
    const unwrapped = await keyring.decryptDataKey(dataKey.wrapped, CONTEXT, dataKey.keyId);

    // Assess
    expect(dataKey.plaintext).toHaveLength(32);
    expect(dataKey.wrapped).toHaveLength(12 + 16 + 32);
    expect(dataKey.keyId).toBe(keyring.keyId);
    expect(unwrapped.equals(dataKey.plaintext)).toBe(true);
    expect(keyring.stats).toEqual({ generateDataKey: 1, decrypt: 1 });
  });

  it("gives a different data key every time", async () => {
    // Prepare
    const keyring = LocalKeyring.fromKey(randomBytes(32));

    // Act
    const a = await keyring.generateDataKey(CONTEXT);
    const b = await keyring.generateDataKey(CONTEXT);

    // Assess
    expect(a.plaintext.equals(b.plaintext)).toBe(false);
  });

  it.each([
    ["name", { ...CONTEXT, name: "OTHER" }],
    ["environment", { ...CONTEXT, environmentId: "env_2" }],
    ["space", { ...CONTEXT, spaceId: "-" }],
    ["version", { ...CONTEXT, version: "2" }],
  ])("refuses to unwrap under another %s", async (_label, other) => {
    // Prepare
    const keyring = LocalKeyring.fromKey(randomBytes(32));
    const dataKey = await keyring.generateDataKey(CONTEXT);

    // Act
    const error = await rejection(keyring.decryptDataKey(dataKey.wrapped, other, dataKey.keyId));

    // Assess
    expect(error.code).toBe("integrity");
    expect(error.message).toMatch(/failed its integrity check/);
  });

  it("says a data key wrapped under another master key was encrypted under another master key", async () => {
    // Prepare
    const writer = LocalKeyring.fromKey(randomBytes(32));
    const reader = LocalKeyring.fromKey(randomBytes(32));
    const dataKey = await writer.generateDataKey(CONTEXT);

    // Act
    const error = await rejection(reader.decryptDataKey(dataKey.wrapped, CONTEXT, dataKey.keyId));

    // Assess
    expect(error.code).toBe("integrity");
    expect(error.message).toMatch(/encrypted under another master key/);
  });

  it("still refuses a foreign data key whose key id was forged to match", async () => {
    // Prepare
    const writer = LocalKeyring.fromKey(randomBytes(32));
    const reader = LocalKeyring.fromKey(randomBytes(32));
    const dataKey = await writer.generateDataKey(CONTEXT);

    // Act
    const error = await rejection(reader.decryptDataKey(dataKey.wrapped, CONTEXT, reader.keyId));

    // Assess
    expect(error.code).toBe("integrity");
  });

  it("refuses a truncated wrapped key", async () => {
    // Prepare
    const keyring = LocalKeyring.fromKey(randomBytes(32));
    const dataKey = await keyring.generateDataKey(CONTEXT);

    // Act
    const error = await rejection(
      keyring.decryptDataKey(dataKey.wrapped.subarray(0, 40), CONTEXT, keyring.keyId),
    );

    // Assess
    expect(error.code).toBe("integrity");
  });

  it("re-wraps a data key under a new master key (rotate-key)", async () => {
    // Prepare
    const oldKeyring = LocalKeyring.fromKey(randomBytes(32));
    const newKeyring = LocalKeyring.fromKey(randomBytes(32));
    const original = await oldKeyring.generateDataKey(CONTEXT);
    const plaintext = await oldKeyring.decryptDataKey(original.wrapped, CONTEXT, oldKeyring.keyId);

    // Act
    const rewrapped = newKeyring.wrapDataKey(plaintext, CONTEXT);

    // Assess
    const unwrapped = await newKeyring.decryptDataKey(rewrapped, CONTEXT, newKeyring.keyId);
    expect(unwrapped.equals(original.plaintext)).toBe(true);
    expect(newKeyring.keyId).not.toBe(oldKeyring.keyId);
  });

  it("rejects a master key of the wrong length in memory", () => {
    // Act
    const create = (): LocalKeyring => LocalKeyring.fromKey(randomBytes(16));

    // Assess
    expect(create).toThrow(RangeError);
  });
});
