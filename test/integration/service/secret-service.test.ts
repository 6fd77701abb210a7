import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../../lambdas/core/ports.ts";
import { ScopeService } from "../../../lambdas/core/scope-service.ts";
import { SecretService } from "../../../lambdas/core/secret-service.ts";
import type { Scope } from "../../../lambdas/core/types.ts";
import { DataKeyCache } from "../../../lambdas/crypto/data-key-cache.ts";
import { EnvelopeCipher } from "../../../lambdas/crypto/envelope-cipher.ts";
import { LocalKeyring } from "../../../lambdas/crypto/local-keyring.ts";
import { createDynamoStore } from "../../../lambdas/store/dynamo-store.ts";
import { type Engine, startDynalite } from "../../support/engines.ts";

/** SecretService over real dynalite and real envelope encryption. */
describe("SecretService on dynalite with real encryption", () => {
  let engine: Engine;
  let store: Store;
  let secrets: SecretService;
  let scopes: ScopeService;
  const actor = "tok_test";
  let n = 0;

  beforeAll(async () => {
    engine = await startDynalite();
    store = createDynamoStore(engine.clients.doc, engine.table);
    const keyring = LocalKeyring.fromKey(Buffer.alloc(32, 7));
    secrets = new SecretService({ store, cipher: new EnvelopeCipher(keyring, new DataKeyCache()) });
    scopes = new ScopeService({ scopes: store });
  });
  afterAll(() => engine?.stop());

  async function newScope(): Promise<{ env: Scope; space: Scope }> {
    const e = await scopes.createEnvironment({ name: "E", id: `env_svc_${n++}` });
    const s = await scopes.createSpace({ environmentId: e.id, name: "S", id: `sp_svc_${n++}` });
    return { env: { environmentId: e.id }, space: { environmentId: e.id, spaceId: s.id } };
  }
  const read = async (scope: Scope, name: string) =>
    (await secrets.resolve(scope, name, { reveal: true })).value;

  it("inheritance: inherited, overridden, override removed, space-only, environment changes show through", async () => {
    const { env, space } = await newScope();
    await secrets.set({ scope: env, name: "SLACK_TOKEN", value: "env-1", actor });
    expect(await secrets.resolve(space, "SLACK_TOKEN", { reveal: true })).toMatchObject({
      value: "env-1",
      inherited: true,
      overridden: false,
    });

    const override = await secrets.set({ scope: space, name: "SLACK_TOKEN", value: "space-1", actor });
    expect(override.secret).toMatchObject({ overridden: true, inherited: false, spaceId: space.spaceId });
    expect(await read(space, "SLACK_TOKEN")).toBe("space-1");
    expect(await read(env, "SLACK_TOKEN")).toBe("env-1");

    await secrets.set({ scope: env, name: "SLACK_TOKEN", value: "env-2", actor });
    expect(await read(space, "SLACK_TOKEN")).toBe("space-1");

    await secrets.delete(override.secret.id, actor);
    expect(await secrets.resolve(space, "SLACK_TOKEN", { reveal: true })).toMatchObject({
      value: "env-2",
      inherited: true,
    });

    await secrets.set({ scope: space, name: "SPACE_ONLY", value: "mine", actor });
    expect(await read(space, "SPACE_ONLY")).toBe("mine");
    await expect(secrets.resolve(env, "SPACE_ONLY", { reveal: true })).rejects.toMatchObject({
      code: "not_found",
    });

    await secrets.set({ scope: env, name: "ENV_LATER", value: "later", actor });
    const list = await secrets.listEffective(space, { reveal: true });
    expect(list.items.map((s) => [s.name, s.value, s.inherited, s.overridden])).toEqual([
      ["ENV_LATER", "later", true, false],
      ["SLACK_TOKEN", "env-2", true, false],
      ["SPACE_ONLY", "mine", false, false],
    ]);
  });

  it("without reveal, no value leaves the service", async () => {
    const { env } = await newScope();
    await secrets.set({ scope: env, name: "HIDDEN", value: "do-not-show", actor });
    const one = await secrets.resolve(env, "HIDDEN", { reveal: false });
    const list = await secrets.listEffective(env, { reveal: false });
    expect(JSON.stringify([one, list])).not.toContain("do-not-show");
  });

  it("a 64 KiB value round-trips; one byte more is rejected with the limit in the message", async () => {
    const { env } = await newScope();
    const big = "é".repeat(32 * 1024); // 2 bytes each: exactly 65,536 bytes
    await secrets.set({ scope: env, name: "BIG", value: big, actor });
    expect(await read(env, "BIG")).toBe(big);
    await expect(secrets.set({ scope: env, name: "BIG", value: `${big}x`, actor })).rejects.toMatchObject({
      code: "invalid_input",
      message: expect.stringContaining("64 KiB"),
    });
    await expect(secrets.set({ scope: env, name: "EMPTY", value: "", actor })).rejects.toMatchObject({
      code: "invalid_input",
    });
  });

  it("invalid names and ids are rejected with messages that say what is allowed", async () => {
    const { env } = await newScope();
    for (const name of ["1ABC", "has-dash", "has space", "", "a".repeat(257), "ÜBER"]) {
      await expect(secrets.set({ scope: env, name, value: "v", actor })).rejects.toMatchObject({
        code: "invalid_input",
        message: expect.stringContaining("letters, digits and underscores"),
      });
    }
    for (const id of ["bad id!", "a/b", "-", "x".repeat(65), "ü"]) {
      await expect(scopes.createEnvironment({ name: "x", id })).rejects.toMatchObject({
        code: "invalid_input",
        message: expect.stringMatching(/letters, digits, '_' or '-'|must not be "-"/),
      });
    }
    await expect(
      secrets.set({ scope: { environmentId: "nope_env" }, name: "OK", value: "v", actor }),
    ).rejects.toMatchObject({ code: "not_found" });
  });

  it("a space of another environment is never accepted", async () => {
    const a = await newScope();
    const b = await newScope();
    const crossed = { environmentId: a.env.environmentId, spaceId: b.space.spaceId };
    await expect(secrets.set({ scope: crossed, name: "X", value: "v", actor })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(secrets.resolve(crossed, "X", { reveal: true })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(secrets.listEffective(crossed, { reveal: true })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("tamper: a ciphertext copied to another name, scope or version fails its integrity check and is never served", async () => {
    const a = await newScope();
    const b = await newScope();
    await secrets.set({ scope: a.env, name: "SOURCE", value: "original-secret", actor });
    await secrets.set({ scope: a.env, name: "OTHER_NAME", value: "x", actor });
    await secrets.set({ scope: b.env, name: "SOURCE", value: "y", actor });
    await secrets.set({ scope: a.env, name: "VERSIONED", value: "v1", actor });
    await secrets.set({ scope: a.env, name: "VERSIONED", value: "v2", actor });
    const table = engine.table;
    const doc = engine.clients.doc;
    const get = async (pk: string, sk: string) =>
      (await doc.send(new GetCommand({ TableName: table, Key: { pk, sk } }))).Item;
    const source = await get(`SCOPE#${a.env.environmentId}`, "SECRET#SOURCE");
    // Test-only knowledge of key shapes: the attack is a raw table write.
    const plant = async (pk: string, sk: string) => {
      const target = await get(pk, sk);
      await doc.send(new PutCommand({ TableName: table, Item: { ...target, envelope: source?.envelope } }));
    };
    await plant(`SCOPE#${a.env.environmentId}`, "SECRET#OTHER_NAME");
    await plant(`SCOPE#${b.env.environmentId}`, "SECRET#SOURCE");
    await plant(`SCOPE#${a.env.environmentId}`, "SECRET#VERSIONED");
    for (const [scope, name] of [
      [a.env, "OTHER_NAME"],
      [b.env, "SOURCE"],
      [a.env, "VERSIONED"],
    ] as const) {
      const attempt = secrets.resolve(scope, name, { reveal: true });
      await expect(attempt).rejects.toMatchObject({ code: "integrity" });
      await attempt.catch((e: Error) => expect(e.message).not.toContain("original-secret"));
    }
    expect(await read(a.env, "SOURCE")).toBe("original-secret");
  });

  it("one secret that fails to decrypt never hides the others: the list marks it loudly", async () => {
    const { env } = await newScope();
    await secrets.set({ scope: env, name: "A_GOOD", value: "a", actor });
    await secrets.set({ scope: env, name: "B_BROKEN", value: "b", actor });
    await secrets.set({ scope: env, name: "C_GOOD", value: "c", actor });
    const key = { pk: `SCOPE#${env.environmentId}`, sk: "SECRET#B_BROKEN" };
    const item = (await engine.clients.doc.send(new GetCommand({ TableName: engine.table, Key: key }))).Item;
    const tag = Buffer.from(item?.envelope.tag, "base64");
    tag[0] = (tag[0] ?? 0) ^ 1;
    await engine.clients.doc.send(
      new PutCommand({
        TableName: engine.table,
        Item: { ...item, envelope: { ...item?.envelope, tag: tag.toString("base64") } },
      }),
    );
    const list = await secrets.listEffective(env, { reveal: true });
    expect(list.items.map((s) => [s.name, s.value, s.error?.code])).toEqual([
      ["A_GOOD", "a", undefined],
      ["B_BROKEN", undefined, "integrity"],
      ["C_GOOD", "c", undefined],
    ]);
  });

  it("rollback writes a new version with the old value; versions list has no values", async () => {
    const { env } = await newScope();
    const first = await secrets.set({ scope: env, name: "ROLL", value: "one", actor });
    await secrets.set({ scope: env, name: "ROLL", value: "two", actor });
    const rolled = await secrets.rollback(first.secret.id, 1, actor);
    expect(rolled.secret.version).toBe(3);
    expect(await read(env, "ROLL")).toBe("one");
    const versions = await secrets.listVersions(first.secret.id, {});
    expect(versions.items.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(JSON.stringify(versions)).not.toMatch(/one|two/);
    await expect(secrets.rollback(first.secret.id, 9, actor)).rejects.toMatchObject({ code: "not_found" });
  });

  it("plaintext at rest: neither a raw scan nor the dynalite files contain a written value", async () => {
    const { env, space } = await newScope();
    const marker = `plaintext-marker-${Date.now()}-Zq9`;
    await secrets.set({ scope: env, name: "AT_REST", value: marker, actor });
    await secrets.set({ scope: space, name: "AT_REST", value: `${marker}-space`, actor });
    const scan = await engine.clients.doc.send(new ScanCommand({ TableName: engine.table }));
    expect(JSON.stringify(scan.Items)).not.toContain(marker);
    const needle = Buffer.from(marker);
    const files = walk(engine.dataDir as string);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f).includes(needle), f).toBe(false);
    // The search itself works: the secret's name is in the files.
    expect(files.some((f) => readFileSync(f).includes(Buffer.from("AT_REST")))).toBe(true);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
