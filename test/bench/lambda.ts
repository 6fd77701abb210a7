import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { ENTRIES, esbuildOptions } from "../../infra/bundling.ts";
import { toAuthorizerContext } from "../../lambdas/handlers/authorizer-context.ts";
import { findNode24 } from "../../scripts/find-tools.mjs";
import { runNode } from "./children.ts";
import { type BenchServer, HOT } from "./fixture.ts";
import type { Progress } from "./progress.ts";
import { median, round, summarize } from "./stats.ts";

const HERE = import.meta.dirname;
/**
 * The Lambda runtime's major version (nodejs24.x), which the bundles target (scripts/find-tools.mjs). Where
 * there is none (macOS without NODE24_PATH) the bench measures the bundles under this Node and says so.
 */
export const NODE24 = findNode24();
const NODE = NODE24.path ?? process.execPath;
const MARKER = "@@bench: warm invocations follow@@";

export interface BundleSize {
  name: string;
  bytes: number;
  gzipBytes: number;
  /** Largest contributors to the minified output, by package. */
  top: Array<{ from: string; bytes: number }>;
}

/** The modules a cold start is timed for: an empty one, and the three functions' bundles. */
type ColdModule = "empty" | "reader" | "writer" | "authorizer";

export interface LambdaResult {
  /** reader: every GET route (the agent hot path, no zod); writer: every other route; authorizer. */
  bundles: BundleSize[];
  cold: {
    node: string;
    samples: number;
    /** Median wall time of a fresh `node <module>` from spawn to exit. */
    wallMs: Record<ColdModule, number>;
    /** Median time of the import itself (module evaluation and top-level await), inside the process. */
    importMs: Record<ColdModule, number>;
    /** The hot path's function: median reader wall time ÷ median empty-module wall time. */
    ratio: number;
    /** The writer's the same way (writes are not the cold-start target; shown for comparison). */
    writerRatio: number;
    /**
     * The reader's ratio sample by sample (each against the empty module timed just before it), median and
     * quartiles: how much of the ratio is the machine's load rather than the bundle.
     */
    readerPaired: { median: number; p25: number; p75: number };
  };
  /** api: the hot-path read through the reader function's bundle (what the cost model prices). */
  warm: Record<
    "api" | "authorizer",
    {
      invocations: number;
      p50: number;
      p99: number;
      mean: number;
      stdoutBytesPerInvocation: number;
      /** Log events per invocation: CloudWatch adds 26 B to each. */
      stdoutLinesPerInvocation: number;
    }
  >;
}

const packageOf = (input: string): string => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m?.[1] ?? (input.startsWith("lambdas/") ? "lambdas/ (our code)" : (input.split("/")[0] ?? input));
};

async function bundle(
  name: string,
  entry: keyof typeof ENTRIES,
  dir: string,
): Promise<BundleSize & { file: string }> {
  const outdir = join(dir, name);
  const result = await build({
    ...esbuildOptions(ENTRIES[entry], outdir),
    metafile: true,
    logLevel: "error",
  });
  const [file, output] =
    Object.entries(result.metafile.outputs).find(([f]) => f.endsWith(".mjs") || f.endsWith(".js")) ?? [];
  if (!file || !output) throw new Error(`no JavaScript output for ${name}`);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  const path = resolve(dir, "..", file).startsWith(dir) ? resolve(dir, "..", file) : resolve(file);
  const absolute = statSafe(path) ? path : join(outdir, "index.mjs");
  const code = readFileSync(absolute);
  return {
    name,
    file: absolute,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    top: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([from, bytes]) => ({ from, bytes })),
  };
}

const statSafe = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** API Gateway HTTP API (payload 2.0) event for the hot-path read, as the API function receives it. */
function apiEvent(query: string, authorizer: Record<string, string>, i: number) {
  return {
    version: "2.0",
    routeKey: "GET /v1/secrets",
    rawPath: "/v1/secrets",
    rawQueryString: query,
    headers: { host: "bench.execute-api.us-east-1.amazonaws.com", "user-agent": "bench" },
    queryStringParameters: Object.fromEntries(new URLSearchParams(query)),
    requestContext: {
      accountId: "123456789012",
      apiId: "bench",
      domainName: "bench.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "bench",
      http: {
        method: "GET",
        path: "/v1/secrets",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "bench",
      },
      requestId: `bench-${i}`,
      routeKey: "GET /v1/secrets",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      authorizer: { lambda: authorizer },
    },
    isBase64Encoded: false,
  };
}

function authorizerEvent(token: string, i: number) {
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: "arn:aws:execute-api:us-east-1:123456789012:bench/$default/GET/v1/secrets",
    identitySource: [`Bearer ${token}`],
    routeKey: "GET /v1/secrets",
    rawPath: "/v1/secrets",
    rawQueryString: "",
    headers: { authorization: `Bearer ${token}` },
    requestContext: {
      accountId: "123456789012",
      apiId: "bench",
      domainName: "bench.execute-api.us-east-1.amazonaws.com",
      http: {
        method: "GET",
        path: "/v1/secrets",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "bench",
      },
      requestId: `bench-auth-${i}`,
      routeKey: "GET /v1/secrets",
      stage: "$default",
    },
  };
}

/**
 * Bundles the three functions as the stack does (infra/bundling.ts, plus a metafile), times a cold import of each
 * under Node 24 against an empty module, and times warm invocations against the bench server's dynalite.
 */
export async function measureLambda(
  bench: BenchServer,
  options: { coldSamples: number; warmInvocations: number },
  progress: Progress,
): Promise<LambdaResult> {
  const dir = mkdtempSync(join(tmpdir(), "ss-bench-lambda-"));
  if (!NODE24.path) progress.step(`Node 24 not found, measuring under ${process.version}: ${NODE24.reason}`);
  try {
    progress.step("esbuild: reader, writer and authorizer bundles");
    const reader = await bundle("reader", "reader", dir);
    const writer = await bundle("writer", "api", dir);
    const authorizer = await bundle("authorizer", "authorizer", dir);
    const empty = join(dir, "empty.mjs");
    writeFileSync(empty, "");

    // What the cold start sees in the cloud: a KMS key ARN (no call is made at import) and a table name.
    const cloudEnv = {
      PATH: process.env.PATH,
      TABLE_NAME: "scoped-secrets",
      KEY_ARN: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
    };
    const modules: Record<ColdModule, string> = {
      empty,
      reader: reader.file,
      writer: writer.file,
      authorizer: authorizer.file,
    };
    const names = Object.keys(modules) as ColdModule[];
    const wall = Object.fromEntries(names.map((m) => [m, [] as number[]])) as Record<ColdModule, number[]>;
    const imported = Object.fromEntries(names.map((m) => [m, [] as number[]])) as Record<
      ColdModule,
      number[]
    >;
    let node = "";
    for (let i = 0; i < options.coldSamples; i++) {
      progress.step(`cold import under Node 24, sample ${i + 1}/${options.coldSamples}`);
      for (const name of names) {
        const t0 = performance.now();
        const { stdout } = await runNode(NODE, [resolve(HERE, "cold-import.mjs"), modules[name]], cloudEnv);
        wall[name].push(performance.now() - t0);
        imported[name].push(
          (JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { importMs: number }).importMs,
        );
      }
    }
    node = (await runNode(NODE, ["-p", "process.version"], cloudEnv)).stdout.trim();

    progress.step(`warm invocations under Node 24: ${options.warmInvocations} each`);
    const principal = await bench.server.services.tokens.authenticate(bench.agent);
    const query = new URLSearchParams({ ...HOT }).toString();
    const localEnv = {
      PATH: process.env.PATH,
      TABLE_NAME: bench.server.dynamo.table,
      DYNAMODB_ENDPOINT: bench.server.dynamo.endpoint,
      LOCAL_MASTER_KEY_FILE: join(bench.server.dataDir, "master.key"),
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    };
    const invoke = async (file: string, events: unknown[]) => {
      const eventsFile = join(dir, `events-${Math.random().toString(36).slice(2)}.json`);
      const resultsFile = `${eventsFile}.out`;
      writeFileSync(eventsFile, JSON.stringify(events));
      const { stdout } = await runNode(
        NODE,
        [resolve(HERE, "lambda-invoke.mjs"), file, eventsFile, resultsFile],
        localEnv,
      );
      const out = JSON.parse(readFileSync(resultsFile, "utf8")) as {
        durations: number[];
        statuses: Record<string, number>;
      };
      const after = stdout.indexOf(MARKER);
      const warmOut = after < 0 ? "" : stdout.slice(after + MARKER.length + 1);
      const warmBytes = Buffer.byteLength(warmOut);
      const warmLines = warmOut.split("\n").filter(Boolean).length;
      const warm = out.durations.slice(1);
      const s = summarize(warm, 1);
      return {
        statuses: out.statuses,
        invocations: warm.length,
        p50: s.p50,
        p99: s.p99,
        mean: s.mean,
        stdoutBytesPerInvocation: round(warmBytes / Math.max(1, warm.length), 0),
        stdoutLinesPerInvocation: round(warmLines / Math.max(1, warm.length), 4),
      };
    };
    const n = options.warmInvocations + 1;
    const apiWarm = await invoke(
      reader.file,
      Array.from({ length: n }, (_, i) => apiEvent(query, toAuthorizerContext(principal), i)),
    );
    if (!apiWarm.statuses["200"])
      throw new Error(`reader bundle answered ${JSON.stringify(apiWarm.statuses)}`);
    const authWarm = await invoke(
      authorizer.file,
      Array.from({ length: n }, (_, i) => authorizerEvent(bench.agent, i)),
    );
    if (!authWarm.statuses.allow) throw new Error(`authorizer answered ${JSON.stringify(authWarm.statuses)}`);

    const med = (xs: number[]) => round(median(xs), 1);
    const ratio = (m: ColdModule) => round(median(wall[m]) / median(wall.empty), 2);
    const paired = wall.reader.map((w, i) => w / (wall.empty[i] ?? w)).sort((a, b) => a - b);
    const at = (q: number) => round(paired[Math.floor(q * (paired.length - 1))] ?? 0, 2);
    return {
      bundles: [reader, writer, authorizer].map(({ file: _, ...b }) => b),
      cold: {
        node,
        samples: options.coldSamples,
        wallMs: Object.fromEntries(names.map((m) => [m, med(wall[m])])) as Record<ColdModule, number>,
        importMs: Object.fromEntries(names.map((m) => [m, med(imported[m])])) as Record<ColdModule, number>,
        ratio: ratio("reader"),
        writerRatio: ratio("writer"),
        readerPaired: { median: round(median(paired), 2), p25: at(0.25), p75: at(0.75) },
      },
      warm: {
        api: (({ statuses: _, ...w }) => w)(apiWarm),
        authorizer: (({ statuses: _, ...w }) => w)(authWarm),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
