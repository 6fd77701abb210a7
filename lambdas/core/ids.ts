import { randomFillSync } from "node:crypto";
import { ulid } from "ulid";

export type IdKind = "env" | "sp" | "sec" | "tok" | "evt" | "awsid";

/**
 * Random bytes for ids, drawn from the CSPRNG 4 KiB at a time: the ulid package's own source asks for
 * one byte per character (16 `getRandomValues` calls, ~30 µs per id here), and every write makes two ids.
 * Ids name things; they are not secrets (tokens come from their own `randomBytes`).
 */
const pool = Buffer.alloc(4096);
let next = pool.length;
const pooledRandom = (): number => {
  if (next >= pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  // A byte / 256 is in [0, 1); ulid takes floor(x * 32), i.e. the byte's top 5 bits: uniform.
  return (pool[next++] as number) / 256;
};

/** Server-generated ids: a kind prefix and a ULID, so ids sort by creation time and say what they name. */
export const newId = (kind: IdKind): string => `${kind}_${ulid(undefined, pooledRandom).toLowerCase()}`;
