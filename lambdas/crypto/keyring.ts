/** What a data key is bound to: string pairs, passed to KMS as `EncryptionContext` and used as AAD locally. */
export type KeyringContext = Record<string, string>;

/** A fresh data key: the plaintext to encrypt with (zero it after use) and the wrapped form to store. */
export interface DataKey {
  plaintext: Buffer;
  wrapped: Buffer;
  /** The wrapping key that produced `wrapped` (KMS key ARN or local key fingerprint). */
  keyId: string;
}

/** Calls a keyring has made, for benchmarks and tests (a warm read should add none). */
export interface KeyringStats {
  generateDataKey: number;
  decrypt: number;
}

/** Wraps and unwraps per-version data keys. Implemented by KmsKeyring (cloud) and LocalKeyring (one machine). */
export interface Keyring {
  /** The key new data keys are wrapped under. */
  readonly keyId: string;
  readonly stats: KeyringStats;
  /** Throws AppError("unavailable") when no usable key can be reached. */
  generateDataKey(context: KeyringContext): Promise<DataKey>;
  /** Throws AppError("integrity") when `wrapped` does not unwrap under this context and key. */
  decryptDataKey(wrapped: Buffer, context: KeyringContext, keyId: string): Promise<Buffer>;
}

/** Zeroed counters for a new keyring. */
export const newKeyringStats = (): KeyringStats => ({ generateDataKey: 0, decrypt: 0 });

/** Length in bytes of every data key and master key: AES-256. */
export const KEY_BYTES = 32;

/** How every integrity message of a keyring starts; the cipher replaces it with one naming the secret. */
export const INTEGRITY_PREFIX = "stored value failed its integrity check";
