import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { AppError, isAppError } from "../core/errors.ts";
import type { EncryptionContext, SecretCipher } from "../core/ports.ts";
import type { Envelope } from "../core/types.ts";
import type { DataKeyCache, DataKeyRef } from "./data-key-cache.ts";
import { canonicalKeyringContext, toKeyringContext } from "./encryption-context.ts";
import { INTEGRITY_PREFIX, type Keyring } from "./keyring.ts";

/** The one algorithm envelopes are sealed with. */
export const ENVELOPE_ALG = "AES-256-GCM";

const IV_BYTES = 12;
const TAG_BYTES = 16;

interface EnvelopeBytes {
  iv: Buffer;
  ct: Buffer;
  tag: Buffer;
  wrapped: Buffer;
}

/**
 * Envelope encryption (DESIGN §5): a fresh data key per sealed value, AES-256-GCM with a random IV and the
 * canonical encryption context as AAD, the data key wrapped by the keyring under the same context.
 */
export class EnvelopeCipher implements SecretCipher {
  constructor(
    private readonly keyring: Keyring,
    private readonly cache?: DataKeyCache,
  ) {}

  async seal(plaintext: string, context: EncryptionContext): Promise<Envelope> {
    const keyringContext = toKeyringContext(context);
    const dataKey = await this.keyring.generateDataKey(keyringContext);
    try {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", dataKey.plaintext, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(canonicalKeyringContext(keyringContext));
      const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const envelope: Envelope = {
        alg: ENVELOPE_ALG,
        iv: iv.toString("base64"),
        ct: ct.toString("base64"),
        tag: cipher.getAuthTag().toString("base64"),
        wrappedKey: dataKey.wrapped.toString("base64"),
        keyId: dataKey.keyId,
      };
      // A read right after a write then costs no keyring call.
      this.cache?.set(
        { keyId: envelope.keyId, wrappedKey: envelope.wrappedKey, context: keyringContext },
        dataKey.plaintext,
      );
      return envelope;
    } finally {
      dataKey.plaintext.fill(0);
    }
  }

  async open(envelope: Envelope, context: EncryptionContext): Promise<string> {
    const bytes = decodeEnvelope(envelope, context.name);
    const keyringContext = toKeyringContext(context);
    const dataKey = await this.#dataKey(
      { keyId: envelope.keyId, wrappedKey: envelope.wrappedKey, context: keyringContext },
      bytes.wrapped,
      context.name,
    );
    try {
      const decipher = createDecipheriv("aes-256-gcm", dataKey, bytes.iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(bytes.tag);
      decipher.setAAD(canonicalKeyringContext(keyringContext));
      // GCM returns all plaintext from update(); final() only checks the tag, so nothing unauthenticated escapes.
      const plaintext = decipher.update(bytes.ct);
      try {
        decipher.final();
      } catch (error) {
        plaintext.fill(0);
        throw integrityError(
          context.name,
          "it was not sealed for this scope, name and version, or it was altered",
          error,
        );
      }
      try {
        return plaintext.toString("utf8");
      } finally {
        plaintext.fill(0);
      }
    } finally {
      dataKey.fill(0);
    }
  }

  async #dataKey(ref: DataKeyRef, wrapped: Buffer, name: string): Promise<Buffer> {
    const load = (): Promise<Buffer> => this.keyring.decryptDataKey(wrapped, ref.context, ref.keyId);
    try {
      return await (this.cache === undefined ? load() : this.cache.getOrLoad(ref, load));
    } catch (error) {
      if (isAppError(error) && error.code === "integrity") {
        throw integrityError(name, error.message.replace(`${INTEGRITY_PREFIX}: `, ""), error);
      }
      throw error;
    }
  }
}

function integrityError(name: string, reason: string, cause?: unknown): AppError {
  return new AppError("integrity", `the stored value of ${name} failed its integrity check: ${reason}`, {
    cause,
  });
}

/** Decodes and size-checks the stored fields; anything malformed is an integrity failure, not a crash. */
function decodeEnvelope(envelope: Envelope, name: string): EnvelopeBytes {
  if (typeof envelope !== "object" || envelope === null) {
    throw integrityError(name, "it is not an envelope");
  }
  if (envelope.alg !== ENVELOPE_ALG) {
    throw integrityError(name, `it uses an unknown algorithm (${String(envelope.alg).slice(0, 40)})`);
  }
  const fields = [envelope.iv, envelope.ct, envelope.tag, envelope.wrappedKey, envelope.keyId];
  if (fields.some((field) => typeof field !== "string")) {
    throw integrityError(name, "its envelope is incomplete");
  }
  const bytes: EnvelopeBytes = {
    iv: Buffer.from(envelope.iv, "base64"),
    ct: Buffer.from(envelope.ct, "base64"),
    tag: Buffer.from(envelope.tag, "base64"),
    wrapped: Buffer.from(envelope.wrappedKey, "base64"),
  };
  if (bytes.iv.length !== IV_BYTES || bytes.tag.length !== TAG_BYTES || bytes.wrapped.length === 0) {
    throw integrityError(name, "its envelope is malformed");
  }
  return bytes;
}
