import type { EncryptionContext } from "../core/ports.ts";
import type { KeyringContext } from "./keyring.ts";

/** The `app` entry of every keyring context; IAM policies on the KMS key require it (`kms:EncryptionContext:app`). */
export const KEYRING_APP = "scoped-secrets";

/** The context a data key is bound to, as passed to the keyring (KMS `EncryptionContext`). */
export function toKeyringContext(ctx: EncryptionContext): KeyringContext {
  return {
    app: KEYRING_APP,
    environmentId: ctx.environmentId,
    // KMS rejects empty context values, and "-" keeps the environment itself distinct from any space.
    spaceId: ctx.spaceId ?? "-",
    name: ctx.name,
    version: String(ctx.version),
  };
}

/** JSON of a keyring context with its keys sorted, so the same context always yields the same string. */
export function canonicalJson(context: KeyringContext): string {
  const sorted = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]] as const);
  // JSON string escaping makes the encoding unambiguous: no value can smuggle in a key or a separator.
  return JSON.stringify(Object.fromEntries(sorted));
}

/** Canonical bytes of a keyring context, used as AES-GCM additional authenticated data. */
export function canonicalKeyringContext(context: KeyringContext): Buffer {
  return Buffer.from(canonicalJson(context), "utf8");
}

/** Canonical bytes of an encryption context: the AAD that binds a ciphertext to its scope, name and version. */
export function canonicalContext(ctx: EncryptionContext): Buffer {
  return canonicalKeyringContext(toKeyringContext(ctx));
}
