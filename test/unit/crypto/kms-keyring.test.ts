import {
  DecryptCommand,
  DependencyTimeoutException,
  DisabledException,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KeyUnavailableException,
  KMSClient,
  KMSInternalException,
  KMSInvalidStateException,
  LimitExceededException,
  NotFoundException,
} from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AppError, type ErrorCode } from "../../../lambdas/core/errors.ts";
import { toKeyringContext } from "../../../lambdas/crypto/encryption-context.ts";
import { KmsKeyring } from "../../../lambdas/crypto/kms-keyring.ts";

const kms = mockClient(KMSClient);
const KEY_ALIAS = "alias/scoped-secrets";
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const CONTEXT = toKeyringContext({ environmentId: "env_1", spaceId: "sp_1", name: "API_TOKEN", version: 3 });
const EXPECTED_CONTEXT = {
  app: "scoped-secrets",
  environmentId: "env_1",
  spaceId: "sp_1",
  name: "API_TOKEN",
  version: "3",
};
const DATA_KEY = new Uint8Array(32).fill(7);
const WRAPPED = new Uint8Array([1, 2, 3, 4, 5]);
// Stands in for anything sensitive a KMS error message might echo; it must never reach an AppError message.
const LEAK = "hunter2-plaintext";

const keyring = (): KmsKeyring => new KmsKeyring(new KMSClient({ region: "eu-west-1" }), KEY_ALIAS);

beforeEach(() => {
  kms.reset();
});

describe("KmsKeyring.generateDataKey", () => {
  it("asks for an AES_256 key under the configured key with the exact encryption context", async () => {
    // Prepare
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: DATA_KEY, CiphertextBlob: WRAPPED, KeyId: KEY_ARN });
    const subject = keyring();

    // Act
    const dataKey = await subject.generateDataKey(CONTEXT);

    // Assess
    const calls = kms.commandCalls(GenerateDataKeyCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      KeyId: KEY_ALIAS,
      KeySpec: "AES_256",
      EncryptionContext: EXPECTED_CONTEXT,
    });
    expect(dataKey.plaintext.equals(Buffer.from(DATA_KEY))).toBe(true);
    expect(dataKey.wrapped.equals(Buffer.from(WRAPPED))).toBe(true);
    expect(dataKey.keyId).toBe(KEY_ARN);
    expect(subject.stats).toEqual({ generateDataKey: 1, decrypt: 0 });
  });

  it('passes spaceId "-" for the environment itself', async () => {
    // Prepare
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: DATA_KEY, CiphertextBlob: WRAPPED, KeyId: KEY_ARN });

    // Act
    await keyring().generateDataKey(toKeyringContext({ environmentId: "env_1", name: "A", version: 1 }));

    // Assess
    expect(kms.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input.EncryptionContext).toEqual({
      app: "scoped-secrets",
      environmentId: "env_1",
      spaceId: "-",
      name: "A",
      version: "1",
    });
  });

  it("refuses a data key that is not 32 bytes", async () => {
    // Prepare
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(16), CiphertextBlob: WRAPPED });

    // Act
    const result = keyring().generateDataKey(CONTEXT);

    // Assess
    await expect(result).rejects.toMatchObject({ code: "unavailable" });
  });
});

describe("KmsKeyring.decryptDataKey", () => {
  it("decrypts with the envelope's key id and the exact encryption context", async () => {
    // Prepare
    kms.on(DecryptCommand).resolves({ Plaintext: DATA_KEY, KeyId: KEY_ARN });
    const subject = keyring();

    // Act
    const plaintext = await subject.decryptDataKey(Buffer.from(WRAPPED), CONTEXT, KEY_ARN);

    // Assess
    const calls = kms.commandCalls(DecryptCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.KeyId).toBe(KEY_ARN);
    expect(input?.EncryptionContext).toEqual(EXPECTED_CONTEXT);
    expect(Buffer.from(input?.CiphertextBlob ?? []).equals(Buffer.from(WRAPPED))).toBe(true);
    expect(plaintext.equals(Buffer.from(DATA_KEY))).toBe(true);
    expect(subject.stats).toEqual({ generateDataKey: 0, decrypt: 1 });
  });

  it("treats a data key wrapped by a local master key as an integrity failure without calling KMS", async () => {
    // Act
    const result = keyring().decryptDataKey(Buffer.from(WRAPPED), CONTEXT, "local:0123456789abcdef");

    // Assess
    await expect(result).rejects.toMatchObject({ code: "integrity" });
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it("treats a decrypted blob that is not a 32-byte key as an integrity failure", async () => {
    // Prepare
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(5) });

    // Act
    const result = keyring().decryptDataKey(Buffer.from(WRAPPED), CONTEXT, KEY_ARN);

    // Assess
    await expect(result).rejects.toMatchObject({ code: "integrity" });
  });
});

const sdkError = (name: string, fault: "client" | "server" = "client"): Error =>
  Object.assign(new Error(`${name}: ${LEAK}`), { name, $fault: fault, $metadata: { httpStatusCode: 400 } });

const serviceOptions = { message: `KMS says ${LEAK}`, $metadata: {} };

interface ErrorCase {
  label: string;
  error: () => Error;
  code: ErrorCode;
  retryAfter: number | undefined;
  mentions: RegExp;
}

const cases: ErrorCase[] = [
  {
    label: "ThrottlingException",
    error: () => sdkError("ThrottlingException"),
    code: "unavailable",
    retryAfter: 1,
    mentions: /throttl/,
  },
  {
    label: "LimitExceededException",
    error: () => new LimitExceededException(serviceOptions),
    code: "unavailable",
    retryAfter: 1,
    mentions: /throttl/,
  },
  {
    label: "RequestLimitExceeded",
    error: () => sdkError("RequestLimitExceeded"),
    code: "unavailable",
    retryAfter: 1,
    mentions: /throttl/,
  },
  {
    label: "KMSInternalException",
    error: () => new KMSInternalException(serviceOptions),
    code: "unavailable",
    retryAfter: 1,
    mentions: /internal error/,
  },
  {
    label: "DependencyTimeoutException",
    error: () => new DependencyTimeoutException(serviceOptions),
    code: "unavailable",
    retryAfter: 1,
    mentions: /timed out/,
  },
  {
    label: "ECONNREFUSED",
    error: () => Object.assign(new Error(`connect ECONNREFUSED ${LEAK}`), { code: "ECONNREFUSED" }),
    code: "unavailable",
    retryAfter: 1,
    mentions: /could not be reached/,
  },
  {
    label: "TimeoutError",
    error: () => Object.assign(new Error(LEAK), { name: "TimeoutError" }),
    code: "unavailable",
    retryAfter: 1,
    mentions: /could not be reached/,
  },
  {
    label: "KMSInvalidStateException",
    error: () => new KMSInvalidStateException(serviceOptions),
    code: "unavailable",
    retryAfter: undefined,
    mentions: /not in a usable state/,
  },
  {
    label: "DisabledException",
    error: () => new DisabledException(serviceOptions),
    code: "unavailable",
    retryAfter: undefined,
    mentions: /the encryption key is disabled/,
  },
  {
    label: "KeyUnavailableException",
    error: () => new KeyUnavailableException(serviceOptions),
    code: "unavailable",
    retryAfter: undefined,
    mentions: /key is unavailable/,
  },
  {
    label: "NotFoundException",
    error: () => new NotFoundException(serviceOptions),
    code: "unavailable",
    retryAfter: undefined,
    mentions: /key was not found/,
  },
  {
    label: "AccessDeniedException",
    error: () => sdkError("AccessDeniedException"),
    code: "unavailable",
    retryAfter: undefined,
    mentions: /access to the encryption key was denied/,
  },
  {
    label: "InvalidCiphertextException",
    error: () => new InvalidCiphertextException(serviceOptions),
    code: "integrity",
    retryAfter: undefined,
    mentions: /stored value failed its integrity check/,
  },
  {
    label: "IncorrectKeyException",
    error: () => new IncorrectKeyException(serviceOptions),
    code: "integrity",
    retryAfter: undefined,
    mentions: /stored value failed its integrity check/,
  },
  {
    label: "an unknown server fault",
    error: () => sdkError("SomethingNewException", "server"),
    code: "unavailable",
    retryAfter: 1,
    mentions: /SomethingNewException/,
  },
  {
    label: "an unknown client fault",
    error: () => sdkError("ValidationException"),
    code: "internal",
    retryAfter: undefined,
    mentions: /ValidationException/,
  },
];

describe("KmsKeyring error translation", () => {
  it.each(cases)("turns $label from Decrypt into $code", async ({ error, code, retryAfter, mentions }) => {
    // Prepare
    const thrown = error();
    kms.on(DecryptCommand).rejects(thrown);

    // Act
    const result = await keyring()
      .decryptDataKey(Buffer.from(WRAPPED), CONTEXT, KEY_ARN)
      .catch((e: unknown) => e);

    // Assess
    expect(result).toBeInstanceOf(AppError);
    const appError = result as AppError;
    expect(appError.code).toBe(code);
    expect(appError.retryAfter).toBe(retryAfter);
    expect(appError.cause).toBe(thrown);
    expect(appError.message).toMatch(mentions);
    expect(appError.message).not.toContain(LEAK);
    expect(JSON.stringify(appError.details)).not.toContain(LEAK);
  });

  it.each(cases)("turns $label from GenerateDataKey into $code", async ({ error, code, retryAfter }) => {
    // Prepare
    const thrown = error();
    kms.on(GenerateDataKeyCommand).rejects(thrown);

    // Act
    const result = await keyring()
      .generateDataKey(CONTEXT)
      .catch((e: unknown) => e);

    // Assess
    expect(result).toBeInstanceOf(AppError);
    expect((result as AppError).code).toBe(code);
    expect((result as AppError).retryAfter).toBe(retryAfter);
    expect((result as AppError).cause).toBe(thrown);
    expect((result as AppError).message).not.toContain(LEAK);
  });
});
