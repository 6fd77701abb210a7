export {
  DataKeyCache,
  type DataKeyCacheOptions,
  type DataKeyCacheStats,
  type DataKeyRef,
  MAX_DATA_KEY_TTL_MS,
} from "./data-key-cache.ts";
export {
  canonicalContext,
  canonicalJson,
  canonicalKeyringContext,
  KEYRING_APP,
  toKeyringContext,
} from "./encryption-context.ts";
export { ENVELOPE_ALG, EnvelopeCipher } from "./envelope-cipher.ts";
export {
  type DataKey,
  INTEGRITY_PREFIX,
  KEY_BYTES,
  type Keyring,
  type KeyringContext,
  type KeyringStats,
  newKeyringStats,
} from "./keyring.ts";
export { KmsKeyring, translateKmsError } from "./kms-keyring.ts";
export { LocalKeyring, type LocalKeyringOpenOptions, localKeyId } from "./local-keyring.ts";
