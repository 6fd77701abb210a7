import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { AppError } from "../core/errors.ts";
import { canonicalKeyringContext } from "./encryption-context.ts";
import {
  type DataKey,
  INTEGRITY_PREFIX,
  KEY_BYTES,
  type Keyring,
  type KeyringContext,
  newKeyringStats,
} from "./keyring.ts";

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** iv(12) | tag(16) | ciphertext(32) */
const WRAPPED_BYTES = IV_BYTES + TAG_BYTES + KEY_BYTES;

/** Options of `LocalKeyring.open`. */
export interface LocalKeyringOpenOptions {
  /** Create the master key file when it is missing; false when the data directory already holds data. */
  create: boolean;
}

/** The public fingerprint of a master key: "local:" + 16 hex chars of its SHA-256. */
export function localKeyId(masterKey: Buffer): string {
  return `local:${createHash("sha256").update(masterKey).digest("hex").slice(0, 16)}`;
}

/** Keyring for one machine: data keys are wrapped with AES-256-GCM under a 256-bit master key kept in a file. */
export class LocalKeyring implements Keyring {
  readonly keyId: string;
  readonly stats = newKeyringStats();
  // An ES private field, so logging or inspecting the keyring never prints the master key.
  readonly #masterKey: Buffer;

  private constructor(masterKey: Buffer) {
    this.#masterKey = masterKey;
    this.keyId = localKeyId(masterKey);
  }

  /**
   * Reads the master key at `path` (e.g. DATA_DIR/master.key), creating it first when missing and allowed.
   * Throws AppError("unavailable") naming the path and the fix when the file is missing, unreadable,
   * the wrong length or readable by group or others.
   */
  static async open(path: string, options: LocalKeyringOpenOptions): Promise<LocalKeyring> {
    let key = await readMasterKeyFile(path);
    if (key === undefined) {
      if (!options.create) throw missingKeyError(path);
      await createMasterKeyFile(path);
      key = await readMasterKeyFile(path);
      if (key === undefined) {
        throw new AppError(
          "unavailable",
          `the master key file ${path} disappeared right after it was created`,
        );
      }
    }
    return new LocalKeyring(key);
  }

  /** A keyring over a master key already in memory (tests, `rotate-key`). The key is copied. */
  static fromKey(masterKey: Buffer): LocalKeyring {
    if (masterKey.length !== KEY_BYTES) {
      throw new RangeError(`a master key is exactly ${KEY_BYTES} bytes, got ${masterKey.length}`);
    }
    return new LocalKeyring(Buffer.from(masterKey));
  }

  async generateDataKey(context: KeyringContext): Promise<DataKey> {
    this.stats.generateDataKey++;
    const plaintext = randomBytes(KEY_BYTES);
    return { plaintext, wrapped: this.wrapDataKey(plaintext, context), keyId: this.keyId };
  }

  /** Wraps a data key under this master key, bound to `context`: iv(12) | tag(16) | ciphertext(32). */
  wrapDataKey(plaintext: Buffer, context: KeyringContext): Buffer {
    if (plaintext.length !== KEY_BYTES) {
      throw new RangeError(`a data key is exactly ${KEY_BYTES} bytes, got ${plaintext.length}`);
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#masterKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(canonicalKeyringContext(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  }

  async decryptDataKey(wrapped: Buffer, context: KeyringContext, keyId: string): Promise<Buffer> {
    this.stats.decrypt++;
    if (keyId !== this.keyId) {
      throw new AppError(
        "integrity",
        `${INTEGRITY_PREFIX}: it was encrypted under another master key (${keyId.slice(0, 80)}; ` +
          `this service uses ${this.keyId}); restore the master.key it was written with`,
      );
    }
    if (wrapped.length !== WRAPPED_BYTES) {
      throw new AppError("integrity", `${INTEGRITY_PREFIX}: its wrapped data key is malformed`);
    }
    const decipher = createDecipheriv("aes-256-gcm", this.#masterKey, wrapped.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    decipher.setAAD(canonicalKeyringContext(context));
    try {
      return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw new AppError(
        "integrity",
        `${INTEGRITY_PREFIX}: its data key does not unwrap under this context`,
        { cause: error },
      );
    }
  }
}

function errno(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown error";
}

function missingKeyError(path: string): AppError {
  return new AppError(
    "unavailable",
    `the master key file ${path} is missing, but the data directory already holds data encrypted under it. ` +
      "Restore master.key from your backup (stored values cannot be decrypted without it), " +
      "or point DATA_DIR at an empty directory to start afresh.",
  );
}

function unreadableError(path: string, error: unknown): AppError {
  return new AppError(
    "unavailable",
    `cannot read the master key file ${path} (${errno(error)}); make it a regular file owned by the user ` +
      `running scoped-secrets, then run: chmod 600 ${path}`,
    { cause: error },
  );
}

/** The key in the file, or undefined when there is no file. Refuses files others could read. */
async function readMasterKeyFile(path: string): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (errno(error) === "ENOENT") return undefined;
    throw unreadableError(path, error);
  }
  try {
    // Stat the open handle, not the path, so the checks apply to the very file that is read.
    const stats = await handle.stat().catch((error: unknown) => {
      throw unreadableError(path, error);
    });
    if (!stats.isFile())
      throw unreadableError(path, Object.assign(new Error("not a file"), { code: "ENOTFILE" }));
    // Windows has no POSIX mode bits; there the directory ACL is what protects the file.
    if (process.platform !== "win32" && (stats.mode & 0o077) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
      throw new AppError(
        "unavailable",
        `the master key file ${path} is readable by group or others (mode ${mode}); ` +
          `refusing to use it. Run: chmod 600 ${path}`,
      );
    }
    const key = await handle.readFile().catch((error: unknown) => {
      throw unreadableError(path, error);
    });
    if (key.length !== KEY_BYTES) {
      const length = key.length;
      key.fill(0);
      throw new AppError(
        "unavailable",
        `the master key file ${path} holds ${length} bytes; a master key is exactly ${KEY_BYTES} bytes. ` +
          "Restore it from your backup; never edit it by hand.",
      );
    }
    return key;
  } finally {
    await handle.close();
  }
}

/** Creates the key file without ever replacing one: losing the race to another process is fine. */
async function createMasterKeyFile(path: string): Promise<void> {
  const key = randomBytes(KEY_BYTES);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(temporary, "wx", 0o600);
    try {
      await handle.writeFile(key);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // link() publishes the complete file in one step and fails when the name exists, so a key is never
    // overwritten and a concurrent reader never sees a half-written file.
    await link(temporary, path).catch(async (error: unknown) => {
      if (errno(error) === "EEXIST") return;
      // Some file systems (SMB shares, some container volumes) have no hard links: write in place, still exclusively.
      const direct = await open(path, "wx", 0o600).catch((inner: unknown) => {
        if (errno(inner) === "EEXIST") return undefined;
        throw inner;
      });
      if (direct === undefined) return;
      try {
        await direct.writeFile(key);
        await direct.sync();
      } finally {
        await direct.close();
      }
    });
  } catch (error) {
    throw new AppError(
      "unavailable",
      `cannot create the master key file ${path} (${errno(error)}); make its directory writable by the user ` +
        "running scoped-secrets",
      { cause: error },
    );
  } finally {
    key.fill(0);
    await unlink(temporary).catch(() => undefined);
  }
}
