import { PutCommand, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../lambdas/core/errors.ts";
import type { Store } from "../../../lambdas/core/ports.ts";
import type { Envelope, Scope, SecretVersion } from "../../../lambdas/core/types.ts";
import { createDynamoStore } from "../../../lambdas/store/dynamo-store.ts";
import type { SecretRepository } from "../../../lambdas/store/secret-repository.ts";
import type { Engine } from "../../support/engines.ts";

const now = () => new Date().toISOString();
/** The store never looks inside an envelope; a recognisable fake lets the contract check what was kept. */
const fakeEnvelope = (label: string): Envelope => ({
  alg: "AES-256-GCM",
  iv: "aXY=",
  ct: Buffer.from(label).toString("base64"),
  tag: "dGFn",
  wrappedKey: "a2V5",
  keyId: "test",
});
const labelOf = (e: Envelope | undefined) => (e ? Buffer.from(e.ct, "base64").toString() : undefined);

let idCounter = 0;
const uid = (p: string) => `${p}_${Date.now().toString(36)}${idCounter++}`;

/**
 * The behaviour every SecretStore adapter must have, run against each real engine; `client: "lean"` runs
 * it over LeanDocClient (what the server and the Lambda functions use) instead of the SDK's document client.
 */
export function storeContract(
  engineName: string,
  start: () => Promise<Engine>,
  client: "document" | "lean" = "document",
) {
  describe(`store contract on ${engineName} (${client} client)`, () => {
    let engine: Engine;
    let store: Store & { secrets: SecretRepository };

    beforeAll(async () => {
      engine = await start();
      store = createDynamoStore(sender(engine, client), engine.table);
    });
    afterAll(async () => {
      await engine?.stop();
    });

    async function scope(withSpace = true): Promise<Scope> {
      const environmentId = uid("env");
      await store.createEnvironment({ id: environmentId, name: "Env", createdAt: now(), updatedAt: now() });
      if (!withSpace) return { environmentId };
      const spaceId = uid("sp");
      await store.createSpace({
        id: spaceId,
        environmentId,
        name: "Space",
        createdAt: now(),
        updatedAt: now(),
      });
      return { environmentId, spaceId };
    }

    const put = (s: Scope, name: string, label: string, expectedVersion?: number) =>
      store.write({
        scope: s,
        name,
        change: { kind: "value", seal: async () => fakeEnvelope(label) },
        expectedVersion,
        actor: "tok_test",
        now: now(),
        newId: uid("sec"),
      });

    describe("environments and spaces", () => {
      it("creates, reads, renames and lists environments; a duplicate id conflicts", async () => {
        const id = uid("env");
        await store.createEnvironment({ id, name: "One", createdAt: now(), updatedAt: now() });
        await expect(
          store.createEnvironment({ id, name: "Two", createdAt: now(), updatedAt: now() }),
        ).rejects.toMatchObject({ code: "conflict" });
        expect((await store.getEnvironment(id))?.name).toBe("One");
        expect((await store.renameEnvironment(id, "Renamed", now())).name).toBe("Renamed");
        const all = [];
        let cursor: string | undefined;
        do {
          const page = await store.listEnvironments({ cursor, limit: 2 });
          all.push(...page.items);
          cursor = page.cursor;
        } while (cursor);
        expect(all.map((e) => e.id)).toContain(id);
        await expect(store.renameEnvironment(uid("missing"), "x", now())).rejects.toMatchObject({
          code: "not_found",
        });
      });

      it("resolves a space by id alone; space ids are unique across environments", async () => {
        const s = await scope();
        const space = await store.getSpace(s.spaceId as string);
        expect(space).toMatchObject({ id: s.spaceId, environmentId: s.environmentId, name: "Space" });
        const other = await scope(false);
        await expect(
          store.createSpace({
            id: s.spaceId as string,
            environmentId: other.environmentId,
            name: "x",
            createdAt: now(),
            updatedAt: now(),
          }),
        ).rejects.toMatchObject({ code: "conflict" });
        const listed = await store.listSpaces(s.environmentId, {});
        expect(listed.items.map((x) => x.id)).toEqual([s.spaceId]);
        expect((await store.listSpaces(other.environmentId, {})).items).toEqual([]);
      });

      it("refuses to delete an environment with spaces or secrets, and a space with overrides", async () => {
        const s = await scope();
        await expect(store.deleteEnvironment(s.environmentId)).rejects.toMatchObject({ code: "conflict" });
        await put(s, "OVERRIDE", "x");
        await expect(store.deleteSpace(s.spaceId as string)).rejects.toMatchObject({ code: "conflict" });
        const cur = await store.getCurrent(s, "OVERRIDE");
        await store.write({
          scope: s,
          name: "OVERRIDE",
          change: { kind: "tombstone" },
          actor: "t",
          now: now(),
          newId: "x",
          expectedVersion: cur?.version,
        });
        await store.deleteSpace(s.spaceId as string);
        expect(await store.getSpace(s.spaceId as string)).toBeUndefined();
        await put({ environmentId: s.environmentId }, "ENV_SECRET", "y");
        await expect(store.deleteEnvironment(s.environmentId)).rejects.toMatchObject({ code: "conflict" });
      });
    });

    describe("secrets", () => {
      it("writes versions 1, 2, 3 and keeps the id; the current item holds the newest", async () => {
        const s = await scope();
        const a = await put(s, "API_KEY", "v1");
        const b = await put(s, "API_KEY", "v2");
        const c = await put(s, "API_KEY", "v3");
        expect([a.version, b.version, c.version]).toEqual([1, 2, 3]);
        expect([a.created, b.created]).toEqual([true, false]);
        expect(b.secret?.id).toBe(a.secret?.id);
        const current = await store.getCurrent(s, "API_KEY");
        expect(current?.version).toBe(3);
        expect(labelOf(current?.envelope)).toBe("v3");
        expect(labelOf((await store.getVersion(s, "API_KEY", 1))?.envelope)).toBe("v1");
        expect((await store.getById(a.secret?.id as string))?.name).toBe("API_KEY");
      });

      it("compare-and-set: a stale expectedVersion fails with precondition_failed and writes nothing", async () => {
        const s = await scope();
        await put(s, "CAS", "one", 0);
        await expect(put(s, "CAS", "dup", 0)).rejects.toMatchObject({ code: "precondition_failed" });
        await put(s, "CAS", "two", 1);
        await expect(put(s, "CAS", "stale", 1)).rejects.toMatchObject({ code: "precondition_failed" });
        const current = await store.getCurrent(s, "CAS");
        expect([current?.version, labelOf(current?.envelope)]).toEqual([2, "two"]);
        expect((await store.listVersions(s, "CAS", {})).items.map((v) => v.version)).toEqual([2, 1]);
      });

      it("delete writes a tombstone, removes the current item and keeps history; a re-create continues the numbering and the id", async () => {
        const s = await scope();
        const first = await put(s, "GONE", "a");
        await store.write({
          scope: s,
          name: "GONE",
          change: { kind: "tombstone" },
          actor: "t",
          now: now(),
          newId: "unused",
        });
        expect(await store.getCurrent(s, "GONE")).toBeUndefined();
        const history = await store.listVersions(s, "GONE", {});
        expect(history.items.map((v) => [v.version, v.kind])).toEqual([
          [2, "tombstone"],
          [1, "value"],
        ]);
        await expect(
          store.write({
            scope: s,
            name: "GONE",
            change: { kind: "tombstone" },
            actor: "t",
            now: now(),
            newId: "unused",
          }),
        ).rejects.toMatchObject({ code: "not_found" });
        const again = await put(s, "GONE", "b", 0);
        expect([again.version, again.created, again.secret?.id]).toEqual([3, true, first.secret?.id]);
      });

      it("names are case-sensitive and versions order numerically past 9, 99 and 999", async () => {
        const s = await scope(false);
        await put(s, "token", "lower");
        await put(s, "TOKEN", "upper");
        expect(labelOf((await store.getCurrent(s, "token"))?.envelope)).toBe("lower");
        expect(labelOf((await store.getCurrent(s, "TOKEN"))?.envelope)).toBe("upper");
        const writes = 1001;
        for (let i = 1; i < writes; i++) await put(s, "MANY", `v${i}`);
        await put(s, "MANY", "last");
        const newest = await store.listVersions(s, "MANY", { limit: 3 });
        expect(newest.items.map((v) => v.version)).toEqual([1001, 1000, 999]);
        const page2 = await store.listVersions(s, "MANY", { limit: 3, cursor: newest.cursor });
        expect(page2.items.map((v) => v.version)).toEqual([998, 997, 996]);
        expect(labelOf((await store.getCurrent(s, "MANY"))?.envelope)).toBe("last");
        const v10 = await store.getVersion(s, "MANY", 10);
        expect(labelOf(v10?.envelope)).toBe("v10");
      }, 120_000);

      it("an update with scope and environment checks makes three calls: one consistent read, the claim, the update", async () => {
        const s = await scope();
        await put({ environmentId: s.environmentId }, "CHECKED", "env");
        await put(s, "CHECKED", "space-1");
        const sent: string[] = [];
        const off = spyCommands(sender(engine, client), sent);
        const r = await store.write({
          scope: s,
          name: "CHECKED",
          change: { kind: "value", seal: async () => fakeEnvelope("space-2") },
          actor: "tok_test",
          now: now(),
          newId: "sec_unused",
          checks: { scope: true, environmentValue: true },
        });
        off();
        expect(sent).toEqual(["BatchGetCommand", "PutCommand", "UpdateCommand"]);
        expect([r.scopeExists, r.environmentHasValue, r.version, r.created]).toEqual([true, true, 2, false]);
        expect(labelOf(r.secret?.envelope)).toBe("space-2");
        // No environment value: not an override. A missing space: nothing written, no claim made.
        const fresh = await store.write({
          scope: s,
          name: "SPACE_ONLY",
          change: { kind: "value", seal: async () => fakeEnvelope("x") },
          actor: "tok_test",
          now: now(),
          newId: uid("sec"),
          checks: { scope: true, environmentValue: true },
        });
        expect([fresh.scopeExists, fresh.environmentHasValue, fresh.created]).toEqual([true, false, true]);
        const gone = { environmentId: s.environmentId, spaceId: uid("missing") };
        let sealed = false;
        const missing = await store.write({
          scope: gone,
          name: "NOPE",
          change: {
            kind: "value",
            seal: async () => {
              sealed = true;
              return fakeEnvelope("never");
            },
          },
          actor: "tok_test",
          now: now(),
          newId: uid("sec"),
          checks: { scope: true, environmentValue: true },
        });
        expect([missing.scopeExists, sealed]).toEqual([false, false]);
        expect(await store.listVersions(gone, "NOPE", {})).toMatchObject({ items: [] });
      });

      it("resolve reads the environment item, the space item and the scope in one BatchGetItem", async () => {
        const s = await scope();
        const envScope = { environmentId: s.environmentId };
        await put(envScope, "SHARED", "env");
        await put(s, "SHARED", "space");
        await put(envScope, "ONLY_ENV", "env-only");
        const sent: string[] = [];
        const off = spyCommands(sender(engine, client), sent);
        const r = await store.resolve(s, "SHARED");
        off();
        expect(sent).toEqual(["BatchGetCommand"]);
        expect([r.scopeExists, labelOf(r.environment?.envelope), labelOf(r.space?.envelope)]).toEqual([
          true,
          "env",
          "space",
        ]);
        const inherited = await store.resolve(s, "ONLY_ENV");
        expect([labelOf(inherited.environment?.envelope), inherited.space]).toEqual(["env-only", undefined]);
        const wrongEnv = await scope(false);
        expect(
          (await store.resolve({ environmentId: wrongEnv.environmentId, spaceId: s.spaceId }, "SHARED"))
            .scopeExists,
        ).toBe(false);
      });

      it("with known scopes on, a warm read asks for the two secret items only; a deleted space is a 404 at once", async () => {
        const cached = createDynamoStore(sender(engine, client), engine.table, { knownScopeTtlMs: 60_000 });
        const s = await scope();
        await put({ environmentId: s.environmentId }, "WARM", "env");
        const keys: number[] = [];
        const doc = sender(engine, client);
        const original = doc.send.bind(doc);
        (doc as { send: unknown }).send = (
          cmd: { input?: { RequestItems?: Record<string, { Keys: unknown[] }> } },
          ...rest: unknown[]
        ) => {
          const batch = cmd.input?.RequestItems?.[engine.table];
          if (batch) keys.push(batch.Keys.length);
          return (original as (...a: unknown[]) => unknown)(cmd, ...rest);
        };
        try {
          expect((await cached.resolve(s, "WARM")).scopeExists).toBe(true);
          expect(labelOf((await cached.resolve(s, "WARM")).environment?.envelope)).toBe("env");
          const foreign = await scope();
          expect(
            (await cached.resolve({ environmentId: foreign.environmentId, spaceId: s.spaceId }, "WARM"))
              .scopeExists,
          ).toBe(false);
        } finally {
          (doc as { send: unknown }).send = original;
        }
        expect(keys).toEqual([3, 2, 3]);
        await cached.deleteSpace(s.spaceId as string);
        expect((await cached.resolve(s, "WARM")).scopeExists).toBe(false);
        expect((await cached.listEffective(s, {})).scopeExists).toBe(false);
      });

      it("lists a space's environment and space items page by page, in name order, across both partitions", async () => {
        const s = await scope();
        const envScope = { environmentId: s.environmentId };
        const envNames = ["A", "C", "E", "G", "I", "K"];
        const spaceNames = ["B", "C", "D", "K", "Z"];
        for (const n of envNames) await put(envScope, n, `env-${n}`);
        for (const n of spaceNames) await put(s, n, `space-${n}`);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listEffective(s, { cursor, limit: 3 });
          expect(page.scopeExists).toBe(true);
          const names = [...new Set([...page.environment, ...page.space].map((x) => x.name))].sort();
          expect(names.length).toBeLessThanOrEqual(3);
          seen.push(...names);
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 20);
        expect(seen).toEqual([...new Set([...envNames, ...spaceNames])].sort());
        const envOnly = await store.listEffective(envScope, {});
        expect(envOnly.environment.map((x) => x.name)).toEqual(envNames);
        expect(envOnly.space).toEqual([]);
      });

      it("concurrent writes with the same expectedVersion: exactly one wins, versions stay contiguous", async () => {
        const s = await scope();
        await put(s, "RACE", "start");
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => put(s, "RACE", `w${i}`, 1)),
        );
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        expect(won).toHaveLength(1);
        for (const r of lost)
          expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "precondition_failed" });
        const versions = (await store.listVersions(s, "RACE", {})).items.map((v) => v.version);
        expect(versions).toEqual([2, 1]);
        const winner = (won[0] as PromiseFulfilledResult<{ version: number }>).value;
        expect(winner.version).toBe(2);
      });

      it("concurrent writes without expectedVersion: all succeed, versions are contiguous and none is lost", async () => {
        const s = await scope();
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => put(s, "BUSY", `w${i}`)));
        const versions = results.map((r) => r.version).sort((a, b) => a - b);
        expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        const history = (await store.listVersions(s, "BUSY", {})).items;
        expect(history.map((v) => v.version)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
        expect(new Set(history.map((v) => labelOf(v.envelope))).size).toBe(20);
        expect((await store.getCurrent(s, "BUSY"))?.version).toBe(20);
      });

      it("a write interrupted between claim and update is rolled forward by the next writer", async () => {
        const s = await scope();
        await put(s, "CRASH", "v1");
        const crash = new Error("simulated crash after claim");
        store.secrets.afterClaim = async () => {
          throw crash;
        };
        await expect(put(s, "CRASH", "v2-claimed")).rejects.toBe(crash);
        store.secrets.afterClaim = undefined;
        // The claim is durable but the current item still says version 1.
        expect((await store.getCurrent(s, "CRASH"))?.version).toBe(1);
        const next = await put(s, "CRASH", "v3");
        expect(next.version).toBe(3);
        const history = (await store.listVersions(s, "CRASH", {})).items.map((v) => [
          v.version,
          labelOf(v.envelope),
        ]);
        expect(history).toEqual([
          [3, "v3"],
          [2, "v2-claimed"],
          [1, "v1"],
        ]);
        // A compare-and-set against the version the crashed writer saw fails: version 2 exists now.
        await expect(put(s, "CRASH", "stale", 1)).rejects.toBeInstanceOf(AppError);
      });

      it("a creation interrupted after its claim is completed, not blocked", async () => {
        const s = await scope();
        const version: SecretVersion = {
          secretId: uid("sec"),
          name: "HALF",
          environmentId: s.environmentId,
          spaceId: s.spaceId,
          version: 1,
          kind: "value",
          envelope: fakeEnvelope("half"),
          writeId: "crashed-writer",
          createdAt: now(),
          createdBy: "t",
        };
        expect(await store.secrets.claim(version)).toBe(true);
        expect(await store.getCurrent(s, "HALF")).toBeUndefined();
        await expect(put(s, "HALF", "after", 0)).rejects.toMatchObject({ code: "precondition_failed" });
        expect(labelOf((await store.getCurrent(s, "HALF"))?.envelope)).toBe("half");
        expect((await put(s, "HALF", "after", 1)).version).toBe(2);
      });

      it("a cursor from another query never reaches outside the caller's partition", async () => {
        const s = await scope();
        await expect(store.listEffective(s, { cursor: "not-a-cursor" })).rejects.toMatchObject({
          code: "invalid_input",
        });
        await expect(
          store.listVersions(s, "X", { cursor: Buffer.from('{"sk":"SECRET#A"}').toString("base64url") }),
        ).rejects.toMatchObject({
          code: "invalid_input",
        });
      });

      it("stores no plaintext: a raw scan holds only envelopes", async () => {
        const s = await scope();
        await put(s, "RAW", "sealed-label");
        const scan = await engine.clients.doc.send(new ScanCommand({ TableName: engine.table }));
        const raw = scan.Items?.find((i) => i.sk === "SECRET#RAW");
        expect(raw?.envelope).toMatchObject({ alg: "AES-256-GCM" });
        expect(Object.keys(raw ?? {})).not.toContain("value");
      });
    });

    describe("audit events", () => {
      it("a space's event is listed in its environment's log and its space's own, with its id, and stays out of the byId index; events stored under `id` read the same", async () => {
        const s = (await scope()) as Required<Scope>;
        const event = (id: string, spaceId?: string) => ({
          id,
          at: now(),
          environmentId: s.environmentId,
          actor: { tokenId: "tok_a", name: "a" },
          action: "secret.update",
          target: {
            type: "secret" as const,
            id: "sec_x",
            name: "X",
            environmentId: s.environmentId,
            spaceId,
          },
          outcome: "success" as const,
        });
        const inSpace = event(uid("evt"), s.spaceId);
        await store.appendAudit(inSpace, 1);
        // As the release before this one wrote it: the event id in `id`.
        const legacy = event(uid("evt"));
        await engine.clients.doc.send(
          new PutCommand({
            TableName: engine.table,
            Item: {
              pk: `AUDIT#${s.environmentId}`,
              sk: `${legacy.at}#${legacy.id}`,
              kind: "audit",
              ...legacy,
            },
          }),
        );
        const envLog = await store.listAudit({ environmentId: s.environmentId }, {});
        expect(envLog.items.map((e) => e.id).sort()).toEqual([inSpace.id, legacy.id].sort());
        expect(envLog.items.find((e) => e.id === inSpace.id)).toEqual(inSpace);
        const spaceLog = await store.listAudit(s, {});
        expect(spaceLog.items).toEqual([inSpace]);
        const indexed = await engine.clients.doc.send(
          new QueryCommand({
            TableName: engine.table,
            IndexName: "byId",
            KeyConditionExpression: "id = :id",
            ExpressionAttributeValues: { ":id": inSpace.id },
          }),
        );
        expect(indexed.Items ?? []).toEqual([]);
        // Never overwritten, in either partition.
        await expect(store.appendAudit({ ...inSpace, detail: "forged" }, 1)).rejects.toMatchObject({
          code: "conflict",
        });
        expect((await store.listAudit(s, {})).items).toEqual([inSpace]);
      });
    });
  });
}

/** What the contract's store sends through. */
const sender = (engine: Engine, client: "document" | "lean") =>
  client === "lean" ? engine.clients.lean : engine.clients.doc;

/** Records the command names the store sends, to pin per-call round trips. */
function spyCommands(doc: { send: unknown }, sent: string[]): () => void {
  const original = (doc.send as (...a: unknown[]) => unknown).bind(doc);
  (doc as { send: unknown }).send = (cmd: { constructor: { name: string } }, ...rest: unknown[]) => {
    sent.push(cmd.constructor.name);
    return (original as (...a: unknown[]) => unknown)(cmd, ...rest);
  };
  return () => {
    (doc as { send: unknown }).send = original;
  };
}
