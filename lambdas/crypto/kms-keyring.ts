import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { AppError } from "../core/errors.ts";
import {
  type DataKey,
  INTEGRITY_PREFIX,
  KEY_BYTES,
  type Keyring,
  type KeyringContext,
  newKeyringStats,
} from "./keyring.ts";

const THROTTLED = new Set(["ThrottlingException", "LimitExceededException", "RequestLimitExceeded"]);

const TRANSIENT: Record<string, string> = {
  KMSInternalException: "KMS had an internal error",
  DependencyTimeoutException: "KMS timed out",
};

// Situations where no usable key can be reached: retrying soon will not help, an operator has to act.
const KEY_UNUSABLE: Record<string, string> = {
  KMSInvalidStateException:
    "the encryption key is not in a usable state (pending deletion or import); restore it in KMS",
  DisabledException: "the encryption key is disabled; enable it in KMS",
  KeyUnavailableException: "the encryption key is unavailable (its key store is disconnected)",
  NotFoundException: "the encryption key was not found; check the configured key id",
  AccessDeniedException:
    "access to the encryption key was denied; check the key policy and the role's kms:EncryptionContext conditions",
  InvalidKeyUsageException:
    "the encryption key cannot be used for ENCRYPT_DECRYPT; configure a symmetric key",
  CredentialsProviderError: "no AWS credentials are available to call KMS",
};

const INTEGRITY = new Set(["InvalidCiphertextException", "IncorrectKeyException"]);

const NETWORK_NAMES = new Set([
  "TimeoutError",
  "NetworkingError",
  "RequestTimeout",
  "RequestTimeoutException",
]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

const INTEGRITY_MESSAGE = `${INTEGRITY_PREFIX}: its data key does not decrypt under this context`;

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
}

/**
 * Turns any error from a KMS call into an AppError. Messages name the situation only; KMS messages are not
 * copied (they may echo request details), the SDK error stays reachable as `cause`.
 */
export function translateKmsError(error: unknown): AppError {
  const { name, code, $fault } = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const errorName = typeof name === "string" ? name : "";
  if (THROTTLED.has(errorName)) {
    return new AppError(
      "unavailable",
      "KMS is throttling requests for the encryption key; retry after 1 s.",
      {
        retryAfter: 1,
        cause: error,
      },
    );
  }
  const transient = TRANSIENT[errorName];
  if (transient !== undefined) {
    return new AppError("unavailable", `${transient}; retry after 1 s.`, { retryAfter: 1, cause: error });
  }
  const unusable = KEY_UNUSABLE[errorName];
  if (unusable !== undefined) {
    return new AppError("unavailable", unusable, { cause: error });
  }
  if (INTEGRITY.has(errorName)) {
    return new AppError("integrity", INTEGRITY_MESSAGE, { cause: error });
  }
  if (NETWORK_NAMES.has(errorName) || (typeof code === "string" && NETWORK_CODES.has(code))) {
    return new AppError("unavailable", "KMS could not be reached; retry after 1 s.", {
      retryAfter: 1,
      cause: error,
    });
  }
  if ($fault === "server") {
    return new AppError("unavailable", `KMS failed (${errorName || "server error"}); retry after 1 s.`, {
      retryAfter: 1,
      cause: error,
    });
  }
  // A client fault nobody anticipated is a bug or a misconfiguration in this service, not the caller's doing.
  return new AppError("internal", `the call to KMS failed (${errorName || "unknown error"})`, {
    cause: error,
  });
}

/** Keyring backed by a KMS customer-managed key; every call carries the encryption context. */
export class KmsKeyring implements Keyring {
  readonly stats = newKeyringStats();

  /** @param keyId key id, key ARN or alias the stack's data keys are generated under. */
  constructor(
    private readonly client: KMSClient,
    readonly keyId: string,
  ) {}

  async generateDataKey(context: KeyringContext): Promise<DataKey> {
    this.stats.generateDataKey++;
    const output = await translated(() =>
      this.client.send(
        new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: "AES_256", EncryptionContext: context }),
      ),
    );
    if (output.Plaintext?.length !== KEY_BYTES || output.CiphertextBlob === undefined) {
      throw new AppError("unavailable", "KMS returned no usable data key; retry after 1 s.", {
        retryAfter: 1,
      });
    }
    return {
      plaintext: Buffer.from(output.Plaintext),
      wrapped: Buffer.from(output.CiphertextBlob),
      // KMS answers with the key ARN even when configured with an alias; storing the ARN pins old values to it.
      keyId: output.KeyId ?? this.keyId,
    };
  }

  async decryptDataKey(wrapped: Buffer, context: KeyringContext, keyId: string): Promise<Buffer> {
    if (keyId.startsWith("local:")) {
      throw new AppError(
        "integrity",
        `${INTEGRITY_PREFIX}: it was encrypted under a local master key, not KMS`,
      );
    }
    this.stats.decrypt++;
    const output = await translated(() =>
      this.client.send(
        // KeyId makes KMS refuse a blob wrapped under any other key instead of using whatever key it names.
        new DecryptCommand({
          CiphertextBlob: wrapped,
          KeyId: keyId || this.keyId,
          EncryptionContext: context,
        }),
      ),
    );
    if (output.Plaintext?.length !== KEY_BYTES) {
      throw new AppError("integrity", INTEGRITY_MESSAGE);
    }
    return Buffer.from(output.Plaintext);
  }
}

async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateKmsError(error);
  }
}
