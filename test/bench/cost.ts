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
  /** The same traffic with the logging changes docs/performance.md proposes. */
  variants: CostVariant[];
  /** What no implementation of this architecture can go under (issue 15), and total ÷ floor. */
  floor: { lines: CostLine[]; total: number; ratio: number; withinFivePercent: boolean };
}

/** Lambda bills at least 1 ms per invocation. */
const MIN_BILLED_MS = 1;

/**
 * The architecture's floor per 1M reads: one API Gateway request, one Lambda request of the minimum
 * billed duration, one eventually consistent BatchGetItem of the two items a space read needs.
 */
export function costFloor(): CostLine[] {
  const M = 1e6;
  return [
    { item: "API Gateway HTTP API", perMillion: M * PRICES.httpApiRequest, basis: "1 request" },
    { item: "Lambda request", perMillion: M * PRICES.lambdaRequest, basis: "1 invocation" },
    {
      item: "Lambda minimum duration",
      perMillion: round(M * (MIN_BILLED_MS / 1000) * (STACK.apiMemoryMb / 1024) * PRICES.lambdaGbSecond, 4),
      basis: `${MIN_BILLED_MS} ms billed at ${STACK.apiMemoryMb} MB`,
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
/** One API Gateway access log line in the stack's JSON format, typical values. */
export const ACCESS_LOG_SAMPLE = accessLogLine({
  requestId: "Pq3xYhGeoAMEbQw=",
  ip: "203.0.113.7",
  route: "GET /v1/secrets",
  status: "200",
  ms: "14",
  tokenId: "tok_01jz8m3v4x9k2q7w5e6r8t0y1u",
  error: "-",
  authError: "-",
});

const billedMs = (computeMs: number, memoryMb: number, dynamoMs: number) =>
  Math.ceil(Math.max(0, computeMs) * (FULL_VCPU_MB / memoryMb) + dynamoMs);

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
  };
  const model = lines(inputs, shares, scenario, asDeployed);
  const worst = lines(inputs, { authorizer: 1, kms: 1 }, scenario, asDeployed);
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
  };
  const floorLines = costFloor();
  const floorTotal = round(
    floorLines.reduce((a, l) => a + l.perMillion, 0),
    4,
  );
  const exact = model.reduce((a, l) => a + l.perMillion, 0);
  return {
    floor: {
      lines: floorLines,
      total: floorTotal,
      ratio: round(exact / floorTotal, 3),
      withinFivePercent: exact <= floorTotal * 1.05,
    },
    scenario,
    lines: model,
    total: sum(model),
    totalWithoutLogs: sum(model.filter((l) => !l.item.startsWith("CloudWatch"))),
    secretsManager: round(1e6 * PRICES.secretsManagerCall, 2),
    worstCase: sum(worst),
    variants: [
      {
        name: "before the logging changes: a request line and an EMF record printed per read (717 B), START/END/REPORT lines, access log in a Standard log group",
        total: sum(lines(inputs, shares, scenario, chatty)),
      },
    ],
  };
}

function lines(
  inputs: CostInputs,
  share: { authorizer: number; kms: number },
  scenario: Scenario,
  logs: LogSettings,
): CostLine[] {
  const M = 1e6;
  const { dynamoLatencyMs } = scenario;
  const apiMs = billedMs(inputs.apiWarmMs - inputs.localDynamoMs, STACK.apiMemoryMb, dynamoLatencyMs);
  const authMs = billedMs(
    inputs.authorizerWarmMs - inputs.localDynamoMs,
    STACK.authorizerMemoryMb,
    dynamoLatencyMs,
  );
  const gbSeconds = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
  const accessLog = Buffer.byteLength(ACCESS_LOG_SAMPLE) + EVENT_OVERHEAD;
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
      perMillion: M * gbSeconds(apiMs, STACK.apiMemoryMb) * PRICES.lambdaGbSecond,
      basis: `${apiMs} ms billed at ${STACK.apiMemoryMb} MB: measured compute × ${round(FULL_VCPU_MB / STACK.apiMemoryMb, 2)} (CPU share) + ${dynamoLatencyMs} ms DynamoDB`,
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
      basis: `${accessLog} B per read (the stack's JSON access-log line) at $${logs.accessLogGb}/GB`,
    },
    {
      item: "CloudWatch Logs: authorizer",
      perMillion: logDollars(authLogs) * share.authorizer,
      basis: `${authLogs} B per authorizer call`,
    },
  ];
  return result.map((l) => ({ ...l, perMillion: round(l.perMillion, 4) }));
}
