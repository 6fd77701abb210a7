import { constants } from "node:fs";
import { chmod, copyFile, open, readdir, rename, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { Level } from "level";
import { isAppError } from "../lambdas/core/errors.ts";
import { toKeyringContext } from "../lambdas/crypto/encryption-context.ts";
import { LocalKeyring } from "../lambdas/crypto/local-keyring.ts";
import { EnvelopeItems, type StoredEnvelope } from "../lambdas/store/envelope-items.ts";
import { openEmbeddedStore } from "./embedded-engine.ts";
import { LOCAL_TABLE } from "./server.ts";

/** A rotation problem the operator can fix; the message says how. Nothing was changed unless it says so. */
export class RotateKeyError extends Error {
  override name = "RotateKeyError";
}

export interface RotateKeyOptions {
  /** The server's DATA_DIR (holds master.key and db/). */
  dataDir: string;
  /** Keep the old key as master.key.old-<timestamp> (mode 0600) after a successful rotation; default: delete it. */
  keepOldKey?: boolean;
  /** Progress lines for a person. */
  say?: (line: string) => void;
  now?: () => Date;
  /** Called after each re-wrapped value (tests use it to stop a rotation midway, as a crash would). */
  afterRewrap?: (count: number) => void | Promise<void>;
}

export interface RotateKeyResult {
  oldKeyId: string;
  newKeyId: string;
  /** Values whose data key was re-wrapped by this run. */
  rewrapped: number;
  /** Values an interrupted earlier run had already re-wrapped. */
  alreadyRewrapped: number;
  /** The old key's file when kept (--keep-old-key). */
  oldKeyFile?: string | undefined;
}

export const MASTER_KEY_FILE = "master.key";
const NEW_KEY_FILE = "master.key.new";
const OLD_KEY_PREFIX = "master.key.old-";

/**
 * Offline rotation of the local master key (`scoped-secrets rotate-key`). Only data keys are re-wrapped: every
 * value's ciphertext stays as it is, so no plaintext value is ever produced.
 *
 * 1. Refuse while a server holds DATA_DIR (LevelDB's lock tells).
 * 2. Copy master.key to master.key.old-<timestamp> (0600); create master.key.new (0600), or reuse the one an
 *    interrupted run left, which makes a re-run resume where the last one stopped.
 * 3. Re-wrap each data key still under the old key (conditional update per item), then check that every
 *    stored data key unwraps under the new key alone.
 * 4. Rename master.key.new over master.key (atomic), then delete the old key's copies unless kept.
 * Until step 4 master.key is the old key; a crash anywhere before it is finished by running rotate-key again.
 */
export async function rotateLocalKey(options: RotateKeyOptions): Promise<RotateKeyResult> {
  const say = options.say ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const keyPath = join(dataDir, MASTER_KEY_FILE);
  const newKeyPath = join(dataDir, NEW_KEY_FILE);

  await refuseWhileServing(join(dataDir, "db"), dataDir);
  const oldKeyring = await openKeyring(keyPath, false);
  const resuming = await exists(newKeyPath);
  const newKeyring = await openKeyring(newKeyPath, true);
  if (newKeyring.keyId === oldKeyring.keyId)
    throw new RotateKeyError(
      `${newKeyPath} holds the current master key; delete it and run rotate-key again`,
    );
  say(
    resuming
      ? `Resuming an interrupted rotation: ${oldKeyring.keyId} → ${newKeyring.keyId}`
      : `Rotating the master key in ${dataDir}: ${oldKeyring.keyId} → ${newKeyring.keyId}`,
  );
  const stamp = (options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, "-");
  const oldKeyFile = join(dataDir, `${OLD_KEY_PREFIX}${stamp}`);
  await copyFile(keyPath, oldKeyFile, constants.COPYFILE_EXCL);
  await chmod(oldKeyFile, 0o600);

  const db = await startDatabase(dataDir);
  let rewrapped = 0;
  let alreadyRewrapped = 0;
  try {
    const items = new EnvelopeItems(db.clients.doc, LOCAL_TABLE);
    const foreign: string[] = [];
    for await (const page of db.hasTable ? items.scan() : none()) {
      for (const item of page) {
        if (item.envelope.keyId === newKeyring.keyId) {
          alreadyRewrapped++;
        } else if (item.envelope.keyId !== oldKeyring.keyId) {
          foreign.push(describe(item));
        } else {
          await rewrapOne(items, item, oldKeyring, newKeyring);
          rewrapped++;
          await options.afterRewrap?.(rewrapped);
        }
      }
    }
    if (foreign.length)
      throw new RotateKeyError(
        `${foreign.length} stored value(s) are wrapped under neither the current nor the new master key ` +
          `(e.g. ${foreign.slice(0, 3).join(", ")}); they cannot be read today either. master.key was not ` +
          `replaced; restore the key they were written with, or delete those secrets, then run rotate-key again.`,
      );
    const verified = db.hasTable ? await verifyAll(items, newKeyring) : 0;
    say(
      `Re-wrapped ${rewrapped} data key(s)${alreadyRewrapped ? ` (${alreadyRewrapped} earlier)` : ""}; ${verified} verified under the new key.`,
    );
  } finally {
    await db.close();
  }

  await rename(newKeyPath, keyPath);
  await syncDir(dataDir);
  if (!options.keepOldKey) await removeOldCopies(dataDir, oldKeyring.keyId);
  say(
    options.keepOldKey
      ? `Done. The old key is kept in ${oldKeyFile} (0600); nothing needs it any more, so store or delete it.`
      : "Done. The old key was deleted: nothing stored needs it any more.",
  );
  return {
    oldKeyId: oldKeyring.keyId,
    newKeyId: newKeyring.keyId,
    rewrapped,
    alreadyRewrapped,
    oldKeyFile: options.keepOldKey ? oldKeyFile : undefined,
  };
}

async function rewrapOne(items: EnvelopeItems, item: StoredEnvelope, from: LocalKeyring, to: LocalKeyring) {
  const context = toKeyringContext(item.context);
  let dataKey: Buffer;
  try {
    dataKey = await from.decryptDataKey(
      Buffer.from(item.envelope.wrappedKey, "base64"),
      context,
      item.envelope.keyId,
    );
  } catch (e) {
    throw new RotateKeyError(
      `the data key of ${describe(item)} does not unwrap under the current master key (${(e as Error).message}); ` +
        "master.key was not replaced. Delete or rewrite that secret, then run rotate-key again.",
    );
  }
  try {
    const wrapped = to.wrapDataKey(dataKey, context).toString("base64");
    if (!(await items.rewrap(item, wrapped, to.keyId)))
      throw new RotateKeyError(
        `${describe(item)} changed during the rotation; is a server using this DATA_DIR? Stop it and run rotate-key again.`,
      );
  } finally {
    dataKey.fill(0);
  }
}

/** Every stored data key must unwrap under the new key alone; returns how many were checked. */
async function verifyAll(items: EnvelopeItems, keyring: LocalKeyring): Promise<number> {
  let count = 0;
  for await (const page of items.scan()) {
    for (const item of page) {
      const dataKey = await keyring
        .decryptDataKey(
          Buffer.from(item.envelope.wrappedKey, "base64"),
          toKeyringContext(item.context),
          item.envelope.keyId,
        )
        .catch((e: Error) => {
          throw new RotateKeyError(
            `${describe(item)} does not unwrap under the new key (${e.message}); master.key was not replaced`,
          );
        });
      dataKey.fill(0);
      count++;
    }
  }
  return count;
}

const describe = (item: StoredEnvelope) => {
  const c = item.context;
  return `${c.name} v${c.version} in ${c.spaceId ? `space ${c.spaceId} of ` : ""}environment ${c.environmentId}`;
};

async function* none(): AsyncGenerator<StoredEnvelope[]> {}

async function exists(path: string): Promise<boolean> {
  const handle = await open(path, "r").catch(() => undefined);
  await handle?.close();
  return handle !== undefined;
}

async function openKeyring(path: string, create: boolean): Promise<LocalKeyring> {
  try {
    return await LocalKeyring.open(path, { create });
  } catch (e) {
    if (isAppError(e)) throw new RotateKeyError(e.message);
    throw e;
  }
}

/** LevelDB locks its directory while a server has it open: that is how a running server is detected. */
async function refuseWhileServing(dbPath: string, dataDir: string): Promise<void> {
  const probe = new Level(dbPath, { createIfMissing: false });
  try {
    await probe.open();
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    if (code === "LEVEL_LOCKED")
      throw new RotateKeyError(
        `a scoped-secrets server is using ${dataDir}; stop it, run rotate-key, then start it again`,
      );
    throw new RotateKeyError(`${dataDir} holds no scoped-secrets database (${dbPath}); check --data-dir`);
  } finally {
    await probe.close();
  }
}

async function startDatabase(dataDir: string) {
  // The same private socket as the server's: no TCP port while keys are being re-wrapped.
  const { engine, clients } = await openEmbeddedStore(dataDir);
  const hasTable = await clients.raw
    .send(new DescribeTableCommand({ TableName: LOCAL_TABLE }))
    .then(() => true)
    .catch((e: { name?: string }) => {
      if (e.name === "ResourceNotFoundException") return false;
      throw e;
    });
  return {
    clients,
    hasTable,
    async close() {
      clients.raw.destroy();
      await engine.close();
    },
  };
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes every master.key.old-* copy of the rotated-out key; copies of other keys are not ours to delete. */
async function removeOldCopies(dataDir: string, oldKeyId: string): Promise<void> {
  for (const name of await readdir(dataDir)) {
    if (!name.startsWith(OLD_KEY_PREFIX)) continue;
    const path = join(dataDir, name);
    const keyring = await LocalKeyring.open(path, { create: false }).catch(() => undefined);
    if (keyring?.keyId === oldKeyId) await unlink(path);
  }
}
