import { newId } from "../../lambdas/core/ids.ts";
import type { Scope } from "../../lambdas/core/types.ts";
import { EnvelopeCipher } from "../../lambdas/crypto/envelope-cipher.ts";
import { createDynamoStore } from "../../lambdas/store/dynamo-store.ts";
import type { LocalServer } from "../../local/server.ts";

/** Secret names the seeder writes: S_000000, S_000001, … (sorted as numbers). */
export const seedName = (i: number): string => `S_${String(i).padStart(6, "0")}`;

/**
 * Writes secrets [from, to) straight through the store (the real claim-then-update write, real envelope
 * encryption), `parallel` at a time: the HTTP layer adds nothing to what a read of them costs.
 */
export async function seedSecrets(
  server: LocalServer,
  scope: Scope,
  from: number,
  to: number,
  parallel = 32,
): Promise<void> {
  const store = createDynamoStore(server.dynamo.doc, server.dynamo.table);
  // No data-key cache: seeding must not warm the cache the measured reads use.
  const cipher = new EnvelopeCipher(server.keyring);
  let next = from;
  const now = new Date().toISOString();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < to; i = next++) {
        const name = seedName(i);
        const value = `value-${i}-${"x".repeat(24)}`;
        await store.write({
          scope,
          name,
          change: { kind: "value", seal: (version) => cipher.seal(value, { ...scope, name, version }) },
          actor: "bench-seed",
          now,
          newId: newId("sec"),
        });
      }
    }),
  );
}
