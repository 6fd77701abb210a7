import { randomBytes } from "node:crypto";
import { type BareEngine, barePut, LAYOUT_LABEL, startBareEngine } from "./bare-dynamo.ts";
import {
  type ComparedRow,
  type Contender,
  compare,
  type LoadSettings,
  pairedRatioStats,
  type RatioStats,
} from "./compare.ts";
import { type BenchServer, HOT } from "./fixture.ts";
import { serverLoad, serviceCounters } from "./hot-path.ts";
import type { Progress } from "./progress.ts";
import { round } from "./stats.ts";

export interface WritesResult {
  rows: ComparedRow[];
  ratios: Array<RatioStats & { concurrency: number; versus: string }>;
  /** DynamoDB commands per set, by command, over every measured set. */
  dynamoPerWrite: Record<string, number>;
  keyringCallsPerWrite: number;
}

/** An item the size of a stored secret version (envelope of a 40-byte value). */
const versionLike = () => ({
  kind: "version",
  vkind: "value",
  secretId: `sec_${randomBytes(13).toString("hex")}`,
  name: "BENCH_WRITE",
  environmentId: HOT.environmentId,
  spaceId: HOT.spaceId,
  version: 1,
  envelope: {
    alg: "AES-256-GCM",
    iv: randomBytes(12).toString("base64"),
    ct: randomBytes(40).toString("base64"),
    tag: randomBytes(16).toString("base64"),
    wrappedKey: randomBytes(60).toString("base64"),
    keyId: "local:0123456789abcdef",
  },
  writeId: randomBytes(16).toString("hex"),
  createdAt: new Date().toISOString(),
  createdBy: "tok_bench",
});

/** POST /v1/secrets (validation, scope check, claim-then-update versioning, envelope encryption, audit) beside a bare PutItem. */
export async function measureWrites(
  bench: BenchServer,
  settings: LoadSettings,
  progress: Progress,
): Promise<WritesResult> {
  const made = await bench.call("POST", "/v1/tokens", bench.admin, {
    name: "bench writer",
    role: "operator",
    environmentId: HOT.environmentId,
  });
  const operator = made.body.data.token as string;
  const keyring0 = { ...bench.server.keyring.stats };
  const engines: BareEngine[] = [];
  try {
    for (const layout of ["own-thread", "own-process"] as const) engines.push(await startBareEngine(layout));
    const service: Contender = {
      what: "service: POST /v1/secrets (encrypt + new version + audit)",
      engine: bench.engine,
      run: async (c, warm) => {
        const stats = await serverLoad(() => bench.requests.count, {
          url: `${bench.server.url}/v1/secrets`,
          connections: c,
          durationSec: settings.durationSec,
          warmupSec: warm ? settings.warmupSec : 0,
          amount: settings.amount,
          method: "POST",
          headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
          // 256 names in turn: concurrent writers rarely meet on one secret, and every name gains versions.
          pool: {
            size: 256,
            prefix: "W_",
            body: { environmentId: HOT.environmentId, spaceId: HOT.spaceId, value: "v".repeat(40) },
          },
        });
        if (stats.errors) throw new Error(`write run had ${stats.errors} failed requests`);
        return stats;
      },
      ...serviceCounters(bench),
    };
    const bare = engines.map(
      (engine): Contender => ({
        what: "bare PutItem, same SDK",
        engine: LAYOUT_LABEL[engine.layout],
        run: (c, warm) =>
          barePut(engine, versionLike(), {
            concurrency: c,
            durationMs: settings.durationSec * 1000,
            warmupMs: warm ? settings.warmupSec * 1000 : 0,
            count: settings.amount,
          }),
        externalCpuMs: engine.layout === "own-process" ? () => engine.engineCpuMs() : undefined,
      }),
    );
    const countsBefore = { ...bench.counter.counts };
    const requestsBefore = bench.requests.count;
    const { rows, runs } = await compare([service, ...bare], settings, progress);
    const writes = bench.requests.count - requestsBefore;
    const dynamoPerWrite: Record<string, number> = {};
    for (const [k, v] of Object.entries(bench.counter.counts)) {
      const n = v - (countsBefore[k] ?? 0);
      if (n) dynamoPerWrite[k] = round(n / writes, 2);
    }
    const keyring = bench.server.keyring.stats;
    return {
      rows,
      ratios: settings.concurrencies.flatMap((c) =>
        engines.map((engine, j) => ({
          concurrency: c,
          versus: engine.layout,
          ...pairedRatioStats(runs.get(`0@${c}`) ?? [], runs.get(`${1 + j}@${c}`) ?? []),
        })),
      ),
      dynamoPerWrite,
      keyringCallsPerWrite: round(
        (keyring.generateDataKey - keyring0.generateDataKey + keyring.decrypt - keyring0.decrypt) / writes,
        3,
      ),
    };
  } finally {
    for (const engine of engines) await engine.stop();
  }
}
