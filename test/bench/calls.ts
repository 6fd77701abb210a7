import type { BenchServer } from "./fixture.ts";
import { HOT } from "./fixture.ts";
import { round } from "./stats.ts";

interface Snapshot {
  dynamo: Record<string, number>;
  keyring: { generateDataKey: number; decrypt: number };
  dataKeyCache: { hits: number; misses: number };
  principalCache: { hits: number; misses: number };
}

/** What one phase of reads cost. */
export interface CallCost {
  reads: number;
  dynamo: Record<string, number>;
  dynamoPerRead: number;
  keyringCalls: number;
  dataKeyCache: { hits: number; misses: number; hitRatio: number };
  principalCache: { hits: number; misses: number };
}

export interface CallsResult {
  /** The first read with a fresh token and an empty data-key cache. */
  first: CallCost;
  /** The reads after it, same token, same secret version. */
  warm: CallCost;
  /** Status of the first read after the token was revoked through this server (401 = at once). */
  afterRevoke: number;
  /** Reads that still succeeded after the revoke returned. */
  servedAfterRevoke: number;
}

function snapshot(bench: BenchServer): Snapshot {
  const { hits, misses } = bench.server.cache.stats();
  const principal = bench.server.services.tokens.principalCacheStats();
  return {
    dynamo: { ...bench.counter.counts },
    keyring: { ...bench.server.keyring.stats },
    dataKeyCache: { hits, misses },
    principalCache: { hits: principal.hits, misses: principal.misses },
  };
}

function cost(a: Snapshot, b: Snapshot, reads: number): CallCost {
  const dynamo: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.dynamo))
    if (v - (a.dynamo[k] ?? 0)) dynamo[k] = v - (a.dynamo[k] ?? 0);
  const total = Object.values(dynamo).reduce((x, y) => x + y, 0);
  const hits = b.dataKeyCache.hits - a.dataKeyCache.hits;
  const misses = b.dataKeyCache.misses - a.dataKeyCache.misses;
  return {
    reads,
    dynamo,
    dynamoPerRead: round(total / reads, 3),
    keyringCalls:
      b.keyring.decrypt - a.keyring.decrypt + (b.keyring.generateDataKey - a.keyring.generateDataKey),
    dataKeyCache: { hits, misses, hitRatio: round(hits / Math.max(1, hits + misses), 4) },
    principalCache: {
      hits: b.principalCache.hits - a.principalCache.hits,
      misses: b.principalCache.misses - a.principalCache.misses,
    },
  };
}

/**
 * Counts what warm reads cost: DynamoDB commands (counted on the server's client), keyring calls and
 * data-key cache hits, for a fresh token; then revokes the token and checks the next read is refused.
 */
export async function measureCalls(bench: BenchServer, reads: number): Promise<CallsResult> {
  const made = await bench.call("POST", "/v1/tokens", bench.admin, {
    name: "bench calls",
    role: "agent",
    environmentId: HOT.environmentId,
    spaceId: HOT.spaceId,
  });
  const token = made.body.data.token as string;
  const read = async () => {
    const r = await bench.call("GET", bench.hotPath, token);
    if (r.status !== 200) throw new Error(`warm read failed: ${r.status}`);
  };
  bench.server.cache.clear();
  const s0 = snapshot(bench);
  await read();
  const s1 = snapshot(bench);
  for (let i = 0; i < reads; i++) await read();
  const s2 = snapshot(bench);

  const revoked = await bench.call("DELETE", `/v1/tokens/${made.body.data.id}`, bench.admin);
  if (revoked.status !== 200) throw new Error(`revoke failed: ${revoked.status}`);
  let servedAfterRevoke = 0;
  let afterRevoke = 0;
  for (let i = 0; i < 20; i++) {
    const r = await bench.call("GET", bench.hotPath, token);
    if (i === 0) afterRevoke = r.status;
    if (r.status === 200) servedAfterRevoke++;
  }
  return { first: cost(s0, s1, 1), warm: cost(s1, s2, reads), afterRevoke, servedAfterRevoke };
}
