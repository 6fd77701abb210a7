import { accessLogLine, LOG_SETTINGS } from "../../infra/log-settings.ts";
import { round } from "./stats.ts";

/** Bytes the api function printed per warm read before it stopped logging successful reads (measured). */
const PER_READ_LOG_BYTES_BEFORE = 717;

/**
 * AWS list prices used by the cost model: us-east-1, on-demand, no free tier, as published in 2025
 * (DynamoDB on-demand after the November 2024 price cut). Change them here, not in the arithmetic.
 */
export const PRICES = {
  region: "us-east-1",
  /** Lambda, arm64: per GB-second and per request. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** API Gateway HTTP API, first 300 M requests a month. */
  httpApiRequest: 1.0 / 1e6,
  /** DynamoDB on-demand: read and write request units. */
  dynamoRru: 0.125 / 1e6,
  dynamoWru: 0.625 / 1e6,
  /** KMS: symmetric requests (Decrypt, GenerateDataKey). */
  kmsRequest: 0.03 / 1e4,
  /** CloudWatch Logs ingestion per GB: Standard class, and Infrequent Access (no metric filters or EMF). */
  logsGb: 0.5,
  logsInfrequentAccessGb: 0.25,
  /** AWS Secrets Manager: API calls (GetSecretValue), plus $0.40 per secret per month not counted here. */
  secretsManagerCall: 0.05 / 1e4,
} as const;

/** What the deployed stack is configured with (infra/functions.ts, infra/settings.ts). */
export const STACK = {
  apiMemoryMb: 512,
  authorizerMemoryMb: 256,
  authorizerCacheSeconds: 60,
  /** Unwrapped data keys live this long in a warm function (DataKeyCache, ≤ 5 min). */
  dataKeyTtlSeconds: 300,
} as const;

/**
 * The traffic the per-1M figure is computed for. Cache hit rates in the cloud depend on it; the defaults are
 * a steady fleet of agents, and the doc shows the worst case beside them.
 */
export interface Scenario {
  readsPerSecond: number;
  /** Distinct agent tokens reading (the authorizer cache is per token). */
  tokens: number;
  /** Distinct secret versions read. */
  secretVersions: number;
  /** Warm API function instances serving the reads. */
  warmInstances: number;
  /** Round-trip of one BatchGetItem / GetItem inside the region, ms (AWS: single-digit ms; 4 assumed). */
  dynamoLatencyMs: number;
}

export const DEFAULT_SCENARIO: Scenario = {
  readsPerSecond: 100,
  tokens: 50,
  secretVersions: 20,
  warmInstances: 5,
  dynamoLatencyMs: 4,
};

/** Measured inputs. */
export interface CostInputs {
  /** Keys in the hot-path BatchGetItem (each item < 4 KB, eventually consistent: 0.5 RRU each). */
  keysPerRead: number;
  dynamoCallsPerRead: number;
  /** Local warm invocation of the bundled api handler, and of the authorizer, p50 ms (local dynalite included). */
  apiWarmMs: number;
  authorizerWarmMs: number;
  /** Local bare BatchGetItem p50 at concurrency 1, ms: subtracted to leave the function's own compute. */
  localDynamoMs: number;
  /** Bytes the functions print per warm invocation (request log line, EMF metrics). */
  apiLogBytes: number;
  /** Log events (lines) the api function prints per warm invocation. */
  apiLogEvents: number;
  authorizerLogBytes: number;
  /** Cold import + composition of the api bundle minus an empty module's, ms (this machine, one core). */
  apiColdImportMs: number;
}

export interface CostLine {
  item: string;
  /** Dollars per 1M warm agent reads. */
  perMillion: number;
  basis: string;
}

/** How much each warm read logs, and at what price: the largest cost that is a setting, not a fee. */
export interface LogSettings {
  /** Bytes the api function prints per warm read (measured: request line + EMF metrics). */
  apiPrinted: number;
  /** Lambda's START/END/REPORT lines (dropped with JSON log format and system log level WARN). */
  platform: boolean;
  /** Price per GB of the access-log group. */
  accessLogGb: number;
  /** Bytes of one access-log line (without CloudWatch's per-event overhead). */
  accessLogBytes: number;
}

export interface CostVariant {
  name: string;
  total: number;
}

export interface CostModel {
  scenario: Scenario;
  lines: CostLine[];
  total: number;
  /** Total without CloudWatch Logs lines. */
  totalWithoutLogs: number;
  /** The same reads from AWS Secrets Manager (GetSecretValue each). */
  secretsManager: number;
  /** Every read arriving after the authorizer cache and the data-key cache expired. */
  worstCase: number;
  /** The same traffic with other log settings: as before the logging changes, and the access log as JSON. */
  variants: CostVariant[];
  /** What no implementation of this architecture can go under (issue 15), and total ÷ floor. */
  floor: {
    lines: CostLine[];
    total: number;
    ratio: number;
    withinFivePercent: boolean;
    /** An extra view, never the headline: the floor plus the DynamoDB wait billed at the reader's memory. */
    withDynamoWait: { total: number; ratio: number };
  };
  /** The reader at other memory sizes: what its duration costs, and what its CPU share adds to latency. */
  memory: MemoryOption[];
}

export interface MemoryOption {
  memoryMb: number;
  /** Share of one vCPU (1,769 MB is one). */
  vcpu: number;
  billedMs: number;
  /** Lambda duration of the api function, $ per 1M reads. */
  duration: number;
  total: number;
  /** total ÷ the floor at this memory size (whose minimum duration is priced at this size too). */
  ratio: number;
  /** Time the function's own compute takes at this CPU share, per read, ms (the DynamoDB wait comes on top). */
  computeMs: number;
  /** Cold import + composition scaled to this CPU share, ms: an estimate (AWS does not document init CPU). */
  coldImportMs: number;
  deployed: boolean;
}

/** Memory sizes the model compares the reader at (MB). */
export const MEMORY_OPTIONS = [128, 256, 512, 1024, 1769] as const;

/** Lambda bills at least 1 ms per invocation. */
const MIN_BILLED_MS = 1;

/**
 * The architecture's floor per 1M reads: one API Gateway request, one Lambda request of the minimum
 * billed duration, one eventually consistent BatchGetItem of the two items a space read needs.
 */
export function costFloor(memoryMb: number = STACK.apiMemoryMb): CostLine[] {
  const M = 1e6;
  return [
    { item: "API Gateway HTTP API", perMillion: M * PRICES.httpApiRequest, basis: "1 request" },
    { item: "Lambda request", perMillion: M * PRICES.lambdaRequest, basis: "1 invocation" },
    {
      item: "Lambda minimum duration",
      perMillion: round(M * (MIN_BILLED_MS / 1000) * (memoryMb / 1024) * PRICES.lambdaGbSecond, 4),
      basis: `${MIN_BILLED_MS} ms billed at ${memoryMb} MB`,
    },
    {
      item: "DynamoDB read",
      perMillion: M * 2 * 0.5 * PRICES.dynamoRru,
      basis: "1 BatchGetItem, 2 items < 4 KB, eventually consistent (1 RRU)",
    },
  ];
}

/** Lambda's CPU share grows with memory: 1,769 MB is one full vCPU. */
const FULL_VCPU_MB = 1769;
/** Lambda START/END/REPORT lines per invocation (standard text format), bytes. */
const PLATFORM_LOG_BYTES = 270;
/** CloudWatch Logs counts 26 bytes of overhead per log event. */
const EVENT_OVERHEAD = 26;
/** A warm read's values in the stack's access-log line (infra/log-settings.ts). */
const ACCESS_LOG_VALUES = {
  requestId: "Pq3xYhGeoAMEbQw=",
  ip: "203.0.113.7",
  route: "GET /v1/secrets",
  status: "200",
  ms: "14",
  tokenId: "tok_01jz8m3v4x9k2q7w5e6r8t0y1u",
  error: "-",
  authError: "-",
  integrationError: "-",
};
export const ACCESS_LOG_SAMPLE = accessLogLine(ACCESS_LOG_VALUES);
/** The same fields as a JSON line with short keys: the alternative the stack did not take (bigger by this much). */
export const ACCESS_LOG_JSON_SAMPLE = JSON.stringify(
  Object.fromEntries(
    Object.entries(ACCESS_LOG_VALUES).map(([k, v]) => [
      {
        requestId: "id",
        route: "r",
        status: "s",
        tokenId: "tk",
        error: "ge",
        authError: "ae",
        integrationError: "ie",
      }[k] ?? k,
      v,
    ]),
  ),
);

const billedMs = (computeMs: number, memoryMb: number, dynamoMs: number) =>
  Math.ceil(Math.max(0, computeMs) * Math.max(1, FULL_VCPU_MB / memoryMb) + dynamoMs);

/** Shares of reads that reach the authorizer and KMS under a scenario (both caches are per token / per instance). */
export function cacheShares(scenario: Scenario): { authorizer: number; kms: number } {
  const readsPerTokenPeriod = (scenario.readsPerSecond / scenario.tokens) * STACK.authorizerCacheSeconds;
  const readsPerTtl = scenario.readsPerSecond * STACK.dataKeyTtlSeconds;
  return {
    authorizer: Math.min(1, 1 / readsPerTokenPeriod),
    kms: Math.min(1, (scenario.warmInstances * scenario.secretVersions) / readsPerTtl),
  };
}

/** Dollars per 1M warm agent reads on AWS, from measured call counts and durations. */
export function costModel(inputs: CostInputs, scenario: Scenario = DEFAULT_SCENARIO): CostModel {
  const shares = cacheShares(scenario);
  // The stack's own log settings (infra/log-settings.ts), so "as deployed" follows the stack.
  const asDeployed: LogSettings = {
    apiPrinted: inputs.apiLogBytes,
    platform: LOG_SETTINGS.functionSystemLogLevel !== "WARN",
    accessLogGb:
      LOG_SETTINGS.accessLogClass === "INFREQUENT_ACCESS" ? PRICES.logsInfrequentAccessGb : PRICES.logsGb,
    accessLogBytes: Buffer.byteLength(ACCESS_LOG_SAMPLE),
  };
  const model = lines(inputs, shares, scenario, asDeployed, STACK.apiMemoryMb);
  const worst = lines(inputs, { authorizer: 1, kms: 1 }, scenario, asDeployed, STACK.apiMemoryMb);
  const sum = (ls: CostLine[]) =>
    round(
      ls.reduce((a, l) => a + l.perMillion, 0),
      2,
    );
  // What the same reads cost before the logging changes: a request line and an EMF record per read,
  // Lambda's START/END/REPORT lines, and the access log in a Standard log group.
  const chatty: LogSettings = {
    apiPrinted: PER_READ_LOG_BYTES_BEFORE,
    platform: true,
    accessLogGb: PRICES.logsGb,
    accessLogBytes: Buffer.byteLength(ACCESS_LOG_SAMPLE),
  };
  const exactSum = (ls: CostLine[]) => ls.reduce((a, l) => a + l.perMillion, 0);
  const floorTotal = (memoryMb: number) => round(exactSum(costFloor(memoryMb)), 4);
  const exact = exactSum(model);
  const dynamoWait =
    1e6 * (scenario.dynamoLatencyMs / 1000) * (STACK.apiMemoryMb / 1024) * PRICES.lambdaGbSecond;
  const floorWithWait = round(floorTotal(STACK.apiMemoryMb) + dynamoWait, 4);
  const memory = MEMORY_OPTIONS.map((memoryMb): MemoryOption => {
    const at = lines(inputs, shares, scenario, asDeployed, memoryMb);
    const duration = at.find((l) => l.item === "Lambda duration (api)")?.perMillion ?? 0;
    const share = memoryMb / FULL_VCPU_MB;
    return {
      memoryMb,
      vcpu: round(Math.min(1, share), 2),
      billedMs: apiBilledMs(inputs, memoryMb, scenario.dynamoLatencyMs),
      duration,
      total: round(exactSum(at), 4),
      ratio: round(exactSum(at) / floorTotal(memoryMb), 3),
      computeMs: round(Math.max(0, inputs.apiWarmMs - inputs.localDynamoMs) / Math.min(1, share), 1),
      coldImportMs: Math.round(Math.max(0, inputs.apiColdImportMs) / Math.min(1, share)),
      deployed: memoryMb === STACK.apiMemoryMb,
    };
  });
  return {
    floor: {
      lines: costFloor(),
      total: floorTotal(STACK.apiMemoryMb),
      ratio: round(exact / floorTotal(STACK.apiMemoryMb), 3),
      withinFivePercent: exact <= floorTotal(STACK.apiMemoryMb) * 1.05,
      withDynamoWait: { total: floorWithWait, ratio: round(exact / floorWithWait, 3) },
    },
    memory,
    scenario,
    lines: model,
    total: sum(model),
    totalWithoutLogs: sum(model.filter((l) => !l.item.startsWith("CloudWatch"))),
    secretsManager: round(1e6 * PRICES.secretsManagerCall, 2),
    worstCase: sum(worst),
    variants: [
      {
        name: "before the logging changes: a request line and an EMF record printed per read (717 B), START/END/REPORT lines, access log in a Standard log group",
        total: sum(lines(inputs, shares, scenario, chatty, STACK.apiMemoryMb)),
      },
      {
        name: `the same access-log fields as a JSON line with short keys (${Buffer.byteLength(ACCESS_LOG_JSON_SAMPLE)} B instead of ${Buffer.byteLength(ACCESS_LOG_SAMPLE)} B)`,
        total: sum(
          lines(
            inputs,
            shares,
            scenario,
            { ...asDeployed, accessLogBytes: Buffer.byteLength(ACCESS_LOG_JSON_SAMPLE) },
            STACK.apiMemoryMb,
          ),
        ),
      },
    ],
  };
}

/** Billed ms of a warm read at a memory size: measured compute × CPU share + the DynamoDB wait, rounded up. */
const apiBilledMs = (inputs: CostInputs, memoryMb: number, dynamoMs: number) =>
  billedMs(inputs.apiWarmMs - inputs.localDynamoMs, memoryMb, dynamoMs);

function lines(
  inputs: CostInputs,
  share: { authorizer: number; kms: number },
  scenario: Scenario,
  logs: LogSettings,
  apiMemoryMb: number,
): CostLine[] {
  const M = 1e6;
  const { dynamoLatencyMs } = scenario;
  const apiMs = apiBilledMs(inputs, apiMemoryMb, dynamoLatencyMs);
  const authMs = billedMs(
    inputs.authorizerWarmMs - inputs.localDynamoMs,
    STACK.authorizerMemoryMb,
    dynamoLatencyMs,
  );
  const gbSeconds = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
  const accessLog = logs.accessLogBytes + EVENT_OVERHEAD;
  const platform = logs.platform ? PLATFORM_LOG_BYTES + 3 * EVENT_OVERHEAD : 0;
  // Measured lines per read as deployed; before the logging changes it printed two (request line, EMF).
  const apiEvents = logs.apiPrinted === inputs.apiLogBytes ? inputs.apiLogEvents : 2;
  const apiLogs = Math.round(logs.apiPrinted + apiEvents * EVENT_OVERHEAD + platform);
  const authLogs = inputs.authorizerLogBytes + EVENT_OVERHEAD + platform;
  const logDollars = (bytes: number, perGb: number = PRICES.logsGb) => ((bytes * M) / 1e9) * perGb;
  const authorizerCall =
    PRICES.lambdaRequest +
    gbSeconds(authMs, STACK.authorizerMemoryMb) * PRICES.lambdaGbSecond +
    // Consistent GetItem of the token (1 RRU) and the lastUsedAt update (1 WRU, at most once a minute).
    PRICES.dynamoRru +
    PRICES.dynamoWru;
  const pct = (x: number) => `${round(x * 100, 3)}%`;
  const result: CostLine[] = [
    { item: "API Gateway HTTP API", perMillion: M * PRICES.httpApiRequest, basis: "1 request per read" },
    { item: "Lambda requests (api)", perMillion: M * PRICES.lambdaRequest, basis: "1 invocation per read" },
    {
      item: "Lambda duration (api)",
      perMillion: M * gbSeconds(apiMs, apiMemoryMb) * PRICES.lambdaGbSecond,
      basis: `${apiMs} ms billed at ${apiMemoryMb} MB: measured compute × ${round(FULL_VCPU_MB / apiMemoryMb, 2)} (CPU share) + ${dynamoLatencyMs} ms DynamoDB`,
    },
    {
      item: "DynamoDB reads",
      perMillion: M * inputs.dynamoCallsPerRead * inputs.keysPerRead * 0.5 * PRICES.dynamoRru,
      basis: `${inputs.dynamoCallsPerRead} BatchGetItem × ${inputs.keysPerRead} items × 0.5 RRU (eventually consistent, items < 4 KB)`,
    },
    {
      item: "KMS Decrypt",
      perMillion: M * share.kms * PRICES.kmsRequest,
      basis: `${pct(share.kms)} of reads miss the data-key cache (${scenario.warmInstances} instances × ${scenario.secretVersions} versions per ${STACK.dataKeyTtlSeconds} s)`,
    },
    {
      item: "Authorizer: Lambda, token GetItem, lastUsedAt update",
      perMillion: M * share.authorizer * authorizerCall,
      basis: `${pct(share.authorizer)} of reads reach it (${STACK.authorizerCacheSeconds} s cache, ${scenario.tokens} tokens); ${authMs} ms billed at ${STACK.authorizerMemoryMb} MB`,
    },
    {
      item: "CloudWatch Logs: api function",
      perMillion: logDollars(apiLogs),
      basis: `${apiLogs} B per read: ${logs.apiPrinted} B printed (request line + EMF metrics) + ${logs.platform ? PLATFORM_LOG_BYTES : 0} B START/END/REPORT + 26 B per event`,
    },
    {
      item: "CloudWatch Logs: API access log",
      perMillion: logDollars(accessLog, logs.accessLogGb),
      basis: `${accessLog} B per read (${logs.accessLogBytes} B line + 26 B per event) at $${logs.accessLogGb}/GB`,
    },
    {
      item: "CloudWatch Logs: authorizer",
      perMillion: logDollars(authLogs) * share.authorizer,
      basis: `${authLogs} B per authorizer call`,
    },
  ];
  return result.map((l) => ({ ...l, perMillion: round(l.perMillion, 4) }));
}
