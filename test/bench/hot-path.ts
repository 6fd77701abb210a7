import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import {
  type BareEngine,
  bareBatchGet,
  bareBatchGetLean,
  LAYOUT_LABEL,
  type Layout,
  putItems,
  startBareEngine,
} from "./bare-dynamo.ts";
import { type HttpLoadConfig, httpLoad, threadCpuMs } from "./children.ts";
import {
  type ComparedRow,
  type Contender,
  compare,
  type LoadSettings,
  pairedRatioStats,
  type RatioStats,
} from "./compare.ts";
import type { BenchServer } from "./fixture.ts";
import { type NpmStartServer, startNpmStartServer } from "./npm-start.ts";
import type { Progress } from "./progress.ts";
import type { RunStats } from "./stats.ts";

/** One paired ratio of the hot path: which server, against which bare call, at which concurrency. */
export interface HotPathRatio extends RatioStats {
  concurrency: number;
  /** "in-process" (the bench's own server, request log counted but not printed) or "npm-start". */
  service: "in-process" | "npm-start";
  versus: Layout;
  /** "sdk": the SDK's document client, the baseline; "lean": the same LeanDynamo call path the store uses. */
  client: "sdk" | "lean";
}

export interface HotPathResult {
  rows: ComparedRow[];
  /** Paired service rps ÷ bare BatchGetItem rps, per concurrency, server, bare-engine layout and client. */
  ratios: HotPathRatio[];
  /** Keys in the service's BatchGetItem (and in the bare one). */
  keysPerRead: number;
}

/** DynamoDB commands and requests the bench server answered across a service run. */
export function serviceCounters(bench: BenchServer): Pick<Contender, "before" | "after"> {
  let calls = 0;
  let batchGets = 0;
  let requests = 0;
  let mainThread: number | undefined;
  return {
    before: () => {
      calls = bench.counter.total();
      batchGets = bench.counter.counts.BatchGetItem ?? 0;
      requests = bench.requests.count;
      mainThread = threadCpuMs(process.pid);
    },
    after: async () => {
      const main = threadCpuMs(process.pid);
      return {
        dynamoCalls: bench.counter.total() - calls,
        batchGets: (bench.counter.counts.BatchGetItem ?? 0) - batchGets,
        requests: bench.requests.count - requests,
        ...(main !== undefined && mainThread !== undefined ? { mainThreadCpuMs: main - mainThread } : {}),
      };
    },
  };
}

/** Runs HTTP load; `allOps` is what the server answered (warm-up and stragglers included). */
export async function serverLoad(
  answered: () => number,
  config: HttpLoadConfig,
): Promise<RunStats & { statusCodes: Record<string, number> }> {
  const before = answered();
  const stats = await httpLoad(config);
  // Requests still in flight when the load generator stopped finish before counting.
  await new Promise((r) => setTimeout(r, 100));
  return { ...stats, allOps: answered() - before };
}

/** The agent hot path through the whole local stack, beside a bare BatchGetItem and a hello-world server. */
export async function measureHotPath(
  bench: BenchServer,
  settings: LoadSettings & { npmStart?: boolean },
  progress: Progress,
): Promise<HotPathResult> {
  const load = (answered: () => number, url: string, c: number, warm: boolean, headers = {}) =>
    serverLoad(answered, {
      url,
      connections: c,
      durationSec: settings.durationSec,
      warmupSec: warm ? settings.warmupSec : 0,
      amount: settings.amount,
      headers,
    });

  // Two reads first, so the counter has seen the exact keys the service asks for on a warm read (the
  // first read of a scope also proves that the scope exists; warm reads skip that item).
  for (let i = 0; i < 2; i++) {
    const read = await bench.call("GET", bench.hotPath, bench.agent);
    if (read.status !== 200) throw new Error(`hot-path read failed: ${read.status}`);
  }
  const keys = bench.counter.lastBatchGetKeys();
  const items = await Promise.all(
    keys.map(async (Key) => {
      const out = await bench.server.dynamo.doc.send(
        new GetCommand({ TableName: bench.server.dynamo.table, Key }),
      );
      if (!out.Item) throw new Error("hot-path item missing");
      return out.Item;
    }),
  );

  const hello = await startHello();
  const engines: BareEngine[] = [];
  let npm: NpmStartServer | undefined;
  try {
    if (settings.npmStart) {
      progress.step("starting the server as `npm start` runs it (own process, request log on stdout)");
      npm = await startNpmStartServer();
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${npm.url}${npm.hotPath}`, {
          headers: { authorization: `Bearer ${npm.agent}` },
        });
        if (res.status !== 200) throw new Error(`npm start hot-path read failed: ${res.status}`);
        await res.arrayBuffer();
      }
    }
    for (const layout of ["own-thread", "own-process"] as const) {
      const engine = await startBareEngine(layout);
      engines.push(engine);
      await putItems(engine, items);
    }
    const service: Contender = {
      what: "service: HTTP + auth + BatchGetItem + decrypt",
      engine: bench.engine,
      run: async (c, warm) => {
        const stats = await load(() => bench.requests.count, `${bench.server.url}${bench.hotPath}`, c, warm, {
          authorization: `Bearer ${bench.agent}`,
        });
        if (stats.errors) throw new Error(`service run had ${stats.errors} failed requests`);
        return stats;
      },
      ...serviceCounters(bench),
    };
    const started = npm;
    const npmStart: Contender | undefined = started && {
      what: "`npm start` server: own process, JSON request log to stdout (a file)",
      engine: LAYOUT_LABEL["own-thread"],
      run: async (c, warm) => {
        const stats = await load(() => started.answered(), `${started.url}${started.hotPath}`, c, warm, {
          authorization: `Bearer ${started.agent}`,
        });
        if (stats.errors) throw new Error(`npm start run had ${stats.errors} failed requests`);
        return stats;
      },
      externalCpuMs: () => started.cpuMs(),
    };
    const ownThread = engines.find((e) => e.layout === "own-thread") as BareEngine;
    const bareLean: Contender = {
      what: `bare BatchGetItem, ${keys.length} keys, lean client (the store's call path)`,
      engine: LAYOUT_LABEL[ownThread.layout],
      run: (c, warm) =>
        bareBatchGetLean(ownThread, keys, {
          concurrency: c,
          durationMs: settings.durationSec * 1000,
          warmupMs: warm ? settings.warmupSec * 1000 : 0,
          count: settings.amount,
        }),
    };
    const bare = engines.map(
      (engine): Contender => ({
        what: `bare BatchGetItem, ${keys.length} keys, same SDK`,
        engine: LAYOUT_LABEL[engine.layout],
        run: (c, warm) =>
          bareBatchGet(engine, keys, {
            concurrency: c,
            durationMs: settings.durationSec * 1000,
            warmupMs: warm ? settings.warmupSec * 1000 : 0,
            count: settings.amount,
          }),
        externalCpuMs: engine.layout === "own-process" ? () => engine.engineCpuMs() : undefined,
      }),
    );
    const helloWorld: Contender = {
      what: "hello-world node:http",
      engine: "—",
      run: (c, warm) => load(() => hello.answered, hello.url, c, warm),
    };
    const contenders = [helloWorld, service, ...bare, bareLean, ...(npmStart ? [npmStart] : [])];
    const { rows, runs } = await compare(contenders, settings, progress);
    const at = (x: Contender, c: number) => runs.get(`${contenders.indexOf(x)}@${c}`) ?? ([] as RunStats[]);
    const ratios: HotPathRatio[] = settings.concurrencies.flatMap((c) => [
      ...engines.map((engine, j) => ({
        concurrency: c,
        service: "in-process" as const,
        versus: engine.layout,
        client: "sdk" as const,
        ...pairedRatioStats(at(service, c), at(bare[j] as Contender, c)),
      })),
      {
        concurrency: c,
        service: "in-process" as const,
        versus: ownThread.layout,
        client: "lean" as const,
        ...pairedRatioStats(at(service, c), at(bareLean, c)),
      },
      ...(npmStart
        ? engines.map((engine, j) => ({
            concurrency: c,
            service: "npm-start" as const,
            versus: engine.layout,
            client: "sdk" as const,
            ...pairedRatioStats(at(npmStart, c), at(bare[j] as Contender, c)),
          }))
        : []),
    ]);
    return { rows, ratios, keysPerRead: keys.length };
  } finally {
    await npm?.stop();
    await new Promise<void>((r) => hello.server.close(() => r()));
    for (const engine of engines) await engine.stop();
  }
}

async function startHello() {
  const hello = { server: createServer(), url: "", answered: 0 };
  hello.server.on("request", (_req, res) => {
    hello.answered++;
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("hello");
  });
  hello.server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => hello.server.listen(0, "127.0.0.1", () => r()));
  hello.url = `http://127.0.0.1:${(hello.server.address() as AddressInfo).port}/`;
  return hello;
}
