import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeEvent, ChangeEvents, Store } from "../../../lambdas/core/ports.ts";
import { ScopeService } from "../../../lambdas/core/scope-service.ts";
import { SecretService } from "../../../lambdas/core/secret-service.ts";
import { DataKeyCache } from "../../../lambdas/crypto/data-key-cache.ts";
import { EnvelopeCipher } from "../../../lambdas/crypto/envelope-cipher.ts";
import { LocalKeyring } from "../../../lambdas/crypto/local-keyring.ts";
import { createDynamoStore } from "../../../lambdas/store/dynamo-store.ts";
import { type Engine, startDynalite } from "../../support/engines.ts";

/** The core emits through the ChangeEvents port after each durable write, and never fails a write for it. */
describe("SecretService change events (dynalite, real encryption)", () => {
  let engine: Engine;
  let store: Store;
  let scopes: ScopeService;
  const cipher = new EnvelopeCipher(LocalKeyring.fromKey(Buffer.alloc(32, 9)), new DataKeyCache());
  let n = 0;

  beforeAll(async () => {
    engine = await startDynalite();
    store = createDynamoStore(engine.clients.doc, engine.table);
    scopes = new ScopeService({ scopes: store });
  });
  afterAll(() => engine?.stop());

  const environment = async () => (await scopes.createEnvironment({ name: "E", id: `env_ce_${n++}` })).id;

  it("one event per create, update, delete and rollback, after the write, with the write's version and time", async () => {
    const seen: Array<{ event: ChangeEvent; storedVersion: number | undefined }> = [];
    const events: ChangeEvents = {
      // What the store holds when the event is published: the write is already durable.
      publish: async (event) => {
        const current = await store.getCurrent({ environmentId: event.environmentId }, event.name);
        seen.push({ event, storedVersion: current?.version });
      },
    };
    const secrets = new SecretService({ store, cipher, events });
    const environmentId = await environment();
    const scope = { environmentId };
    const created = await secrets.set({ scope, name: "K", value: "one", actor: "tok_a" });
    await secrets.set({ scope, name: "K", value: "two", actor: "tok_b" });
    await secrets.rollback(created.secret.id, 1, "tok_c");
    await secrets.delete(created.secret.id, "tok_d");
    await expect(
      secrets.set({ scope, name: "K", value: "x", actor: "tok_e", expectedVersion: 9 }),
    ).rejects.toThrow();

    expect(seen.map(({ event: e }) => [e.type, e.name, e.version, e.actor, e.spaceId])).toEqual([
      ["secret.created", "K", 1, "tok_a", undefined],
      ["secret.updated", "K", 2, "tok_b", undefined],
      ["secret.rolled_back", "K", 3, "tok_c", undefined],
      ["secret.deleted", "K", 4, "tok_d", undefined],
    ]);
    expect(seen.map((s) => s.storedVersion)).toEqual([1, 2, 3, undefined]);
    expect(seen[0]?.event.at).toBe(created.secret.updatedAt);
    expect(JSON.stringify(seen)).not.toMatch(/"one"|"two"/);
  });

  it("a publisher that rejects or throws fails no write", async () => {
    const environmentId = await environment();
    const scope = { environmentId };
    for (const events of [
      { publish: () => Promise.reject(new Error("bus down")) },
      {
        publish: () => {
          throw new Error("sync failure");
        },
      },
    ] satisfies ChangeEvents[]) {
      const secrets = new SecretService({ store, cipher, events });
      const { secret } = await secrets.set({ scope, name: "K", value: "kept", actor: "tok_a" });
      expect((await secrets.resolve(scope, "K", { reveal: true })).value).toBe("kept");
      await secrets.rollback(secret.id, secret.version, "tok_a");
      await secrets.delete(secret.id, "tok_a");
      await expect(secrets.resolve(scope, "K", { reveal: false })).rejects.toThrow(/not found/);
    }
  });
  it("the caller's alongside work (the route's audit write) runs while the event is published, and each call returns only when both are done", async () => {
    const environmentId = await environment();
    const scope = { environmentId };
    const log: string[] = [];
    let release: () => void = () => {};
    const events: ChangeEvents = {
      // A slow bus: the publish ends only when the test says so.
      publish: (event) => {
        log.push(`publish ${event.type} started`);
        return new Promise<void>((done) => {
          release = () => {
            log.push(`publish ${event.type} done`);
            done();
          };
        });
      },
    };
    const secrets = new SecretService({ store, cipher, events });
    const until = async (what: string) => {
      for (let i = 0; i < 200 && !log.includes(what); i++) await new Promise((r) => setTimeout(r, 5));
      expect(log).toContain(what);
    };
    const settled = (p: Promise<unknown>) => {
      const state = { done: false };
      p.then(
        () => {
          state.done = true;
        },
        () => {
          state.done = true;
        },
      );
      return state;
    };

    const setting = secrets.set({
      scope,
      name: "K",
      value: "one",
      actor: "tok_a",
      alongside: async (w) => {
        log.push(`alongside ${w.created ? "created" : "updated"} v${w.secret.version}`);
      },
    });
    const set = settled(setting);
    await until("alongside created v1");
    // The alongside work ran before the publish ended, and set() waits for the publish.
    expect(log).toEqual(["publish secret.created started", "alongside created v1"]);
    await new Promise((r) => setTimeout(r, 20));
    expect(set.done).toBe(false);
    release();
    const { secret } = await setting;
    expect(log.at(-1)).toBe("publish secret.created done");

    const rolling = secrets.rollback(secret.id, 1, "tok_a", undefined, async (w) => {
      log.push(`alongside rollback v${w.secret.version}`);
    });
    await until("alongside rollback v2");
    release();
    await rolling;
    const deleting = secrets.delete(secret.id, "tok_a", undefined, undefined, async (w) => {
      log.push(`alongside delete v${w.version}`);
    });
    await until("alongside delete v3");
    release();
    await deleting;

    // Work that fails fails the call, but only after the publish ended; the write itself stands.
    log.length = 0;
    const failing = secrets.set({
      scope,
      name: "F",
      value: "kept",
      actor: "tok_a",
      alongside: () => Promise.reject(new Error("audit down")),
    });
    const failed = settled(failing);
    await until("publish secret.created started");
    await new Promise((r) => setTimeout(r, 20));
    expect(failed.done).toBe(false);
    release();
    await expect(failing).rejects.toThrow("audit down");
    expect((await store.getCurrent(scope, "F"))?.version).toBe(1);
  });
});
