import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import {
  DecryptCommand,
  type DecryptCommandInput,
  GenerateDataKeyCommand,
  type GenerateDataKeyCommandInput,
  KMSClient,
} from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";

export const FAKE_KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000000";

/** An AWS-style service error as the SDK throws it (name, fault, metadata). */
export function awsError(name: string, message: string, fault: "client" | "server" = "client", extra = {}) {
  return Object.assign(new Error(message), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: fault === "server" ? 500 : 400 },
    ...extra,
  });
}

const contextBytes = (context: Record<string, string> | undefined) =>
  Buffer.from(JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))));

/**
 * A KMSClient whose GenerateDataKey/Decrypt behave like KMS for one symmetric key (aws-sdk-client-mock): data
 * keys are bound to their EncryptionContext and to the key, so a blob moved to another context does not
 * decrypt. `fail` makes a command throw until `heal` (optionally only for contexts `when` accepts).
 */
export function fakeKms() {
  const client = new KMSClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  const mock = mockClient(client);
  const master = randomBytes(32);
  const faults = new Map<
    "GenerateDataKey" | "Decrypt",
    { error: Error; when: (c: Record<string, string>) => boolean }
  >();
  const calls = { GenerateDataKey: 0, Decrypt: 0 };

  const check = (command: "GenerateDataKey" | "Decrypt", context: Record<string, string> | undefined) => {
    calls[command]++;
    const fault = faults.get(command);
    if (fault?.when(context ?? {})) throw fault.error;
  };

  mock.on(GenerateDataKeyCommand).callsFake((input: GenerateDataKeyCommandInput) => {
    check("GenerateDataKey", input.EncryptionContext);
    const plaintext = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", master, iv);
    cipher.setAAD(contextBytes(input.EncryptionContext));
    const blob = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      Plaintext: new Uint8Array(plaintext),
      CiphertextBlob: new Uint8Array(blob),
      KeyId: FAKE_KEY_ARN,
    };
  });
  mock.on(DecryptCommand).callsFake((input: DecryptCommandInput) => {
    check("Decrypt", input.EncryptionContext);
    if (input.KeyId !== FAKE_KEY_ARN) throw awsError("IncorrectKeyException", "wrong key");
    const blob = Buffer.from(input.CiphertextBlob ?? new Uint8Array());
    try {
      const decipher = createDecipheriv("aes-256-gcm", master, blob.subarray(0, 12));
      decipher.setAAD(contextBytes(input.EncryptionContext));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      const plaintext = Buffer.concat([
        decipher.update(blob.subarray(12, blob.length - 16)),
        decipher.final(),
      ]);
      return { Plaintext: new Uint8Array(plaintext), KeyId: FAKE_KEY_ARN };
    } catch {
      throw awsError("InvalidCiphertextException", "the ciphertext does not match the context");
    }
  });

  return {
    client,
    calls,
    fail(
      command: "GenerateDataKey" | "Decrypt",
      error: Error,
      when: (c: Record<string, string>) => boolean = () => true,
    ) {
      faults.set(command, { error, when });
    },
    heal() {
      faults.clear();
    },
    restore() {
      mock.restore();
    },
  };
}
