import { spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { CreateEventBusCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { DynamoClients } from "../lambdas/store/client.ts";
import { bootstrapAdminToken } from "../ops/bootstrap-run.ts";
import { type Assembly, synthesize } from "./assembly.ts";
import { ensureTableFromTemplate, startDynamoDbLocal } from "./dynamodb-local.ts";
import { type GatewayStats, startGateway } from "./gateway.ts";
import { type GatewayConfig, gatewayConfigFrom } from "./gateway-config.ts";
import { FunctionPool, node24Problem } from "./lambda-pool.ts";
import {
  createKeyFromTemplate,
  ensureKeyFile,
  MOTO_ACCOUNT,
  motoKms,
  motoProblem,
  startMoto,
} from "./moto.ts";
import { freePort, reapStale, recordChildren } from "./processes.ts";
import { type Cfn, type Environment, ofType, type Resource, resolve, single, targetId } from "./template.ts";

export interface CloudPathOptions {
  port: number;
  host: string;
  dataDir: string;
  /** CDK context on top of cdk.json's (tests shorten the authorizer cache TTL, lower the throttle). */
  context?: Record<string, unknown>;
  /** Execution environments per function at most (default 4). */
  maxInstances?: number;
  region?: string;
  /** Progress and start-up messages (default stderr). */
  say?: (message: string) => void;
  /** Keep every function log chunk and access-log line in memory too (tests read them). */
  keepLogs?: boolean;
}

export interface CloudPath {
  url: string;
  dataDir: string;
  /** Set on the first start only: the admin token just created (also in DATA_DIR/admin-token). */
  firstAdminToken?: string | undefined;
  assembly: Assembly;
  gatewayConfig: GatewayConfig;
  gatewayStats: GatewayStats;
  pools: Record<string, FunctionPool>;
  /** The emulated table (DynamoDB Local) and its physical name. */
  dynamo: DynamoClients & { endpoint: string; table: string };
  kms: { endpoint: string; keyArn: string };
  /** moto's STS (the same server as KMS), where the functions verify AWS logins. */
  sts: { endpoint: string };
  /** The SERVER_ID the template gives the API functions: what an AWS login must sign. */
  serverId: string | undefined;
  /** In memory when keepLogs: what the functions printed, the access log, and one record per request. */
  logs: {
    functions: string[];
    access: string[];
    requests: Array<{ method: string; routeKey: string; status: number }>;
  };
  /** Process ids of everything started (DynamoDB Local, moto, Lambda workers). */
  pids(): number[];
  close(): Promise<void>;
}

/** A problem the user can fix (a missing tool, a busy DATA_DIR), with the message that says how. */
export class CloudStartupError extends Error {
  override name = "CloudStartupError";
}

/** What this machine lacks to run the cloud path (Node 24 for the bundles, Java, moto), one line each. */
export function cloudPathProblems(): string[] {
  const problems: string[] = [];
  const node = node24Problem();
  if (node) problems.push(node);
  if (spawnSync("java", ["-version"], { stdio: "ignore" }).status !== 0)
    problems.push("DynamoDB Local needs Java 17+ on PATH (npm test installs it on Debian/Ubuntu)");
  const moto = motoProblem();
  if (moto) problems.push(moto);
  return problems;
}

/**
 * `npm run start:cloud`: the synthesized stack on one machine. The bundles `cdk deploy` ships run under
 * Node 24 in Lambda-like workers, behind an emulated HTTP API read from the template, on DynamoDB Local and
 * moto's KMS. See docs/cloud-path.md for what is real and what is emulated.
 */
export async function startCloudPath(options: CloudPathOptions): Promise<CloudPath> {
  const say = options.say ?? ((m: string) => process.stderr.write(`${m}\n`));
  const region = options.region ?? "us-east-1";
  const dataDir = resolvePath(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const problems = cloudPathProblems();
  if (problems.length) throw new CloudStartupError(problems.join("\n"));
  const pidFile = join(dataDir, "pids.json");
  const busy = reapStale(pidFile);
  if (busy) throw new CloudStartupError(busy);
  const logDir = join(dataDir, "logs");
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const logs: CloudPath["logs"] = { functions: [], access: [], requests: [] };
  const stops: Array<() => Promise<void>> = [];
  const children: number[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };

  try {
    let t = Date.now();
    const lap = () => {
      const s = ((Date.now() - t) / 1000).toFixed(1);
      t = Date.now();
      return `${s} s`;
    };
    say("[1/5] synthesizing the CDK app and bundling the functions with esbuild, as cdk deploy does…");
    const assembly = await synthesize({ outdir: join(dataDir, "cdk.out"), context: options.context ?? {} });
    say(`      ${Object.keys(assembly.functions).length} functions bundled into ${assembly.dir} (${lap()})`);

    say("[2/5] starting DynamoDB Local (Java) and moto's KMS server (Python)…");
    const [ddbPort, motoPort] = [await freePort(), await freePort()];
    const keyFile = ensureKeyFile(join(dataDir, "kms-key.json"));
    const [ddb, moto] = await Promise.all([
      startDynamoDbLocal({ dbDir: join(dataDir, "dynamodb"), port: ddbPort }),
      startMoto({ keyFile: join(dataDir, "kms-key.json"), port: motoPort }),
    ]);
    stops.push(ddb.stop, moto.stop);
    children.push(ddb.pid, moto.pid);
    recordChildren(pidFile, children);
    say(`      DynamoDB Local on ${ddb.endpoint}, moto on ${moto.endpoint} (${lap()})`);

    say("[3/5] creating the table and the KMS key the template declares…");
    const template = assembly.template;
    const [tableId, table] = single(template, "AWS::DynamoDB::Table");
    // The data key is the one the functions are given (KEY_ARN); the stack has others (the alarm topic's).
    const [keyId, key] = dataKey(assembly);
    const alias = ofType(template, "AWS::KMS::Alias").find(
      ([, a]) => targetId(a.Properties?.TargetKeyId) === keyId,
    )?.[1]?.Properties?.AliasName as string | undefined;
    const tableName = table.Properties?.TableName ?? `${assembly.stackName}-${tableId}`;
    const created = await ensureTableFromTemplate(ddb.clients.raw, tableName, table.Properties ?? {});
    const kms = motoKms(moto.endpoint, region);
    const keyArn = await createKeyFromTemplate(kms, key.Properties ?? {}, alias);
    kms.destroy();
    if (!keyArn.endsWith(keyFile.keyId)) throw new Error(`moto created key ${keyArn}, not ${keyFile.keyId}`);
    say(`      table ${tableName} (${created}), key ${keyArn}${alias ? ` (${alias})` : ""} (${lap()})`);

    const env = environmentFor(
      assembly,
      region,
      { [tableId]: tableName, [keyId]: keyFile.keyId },
      { [`${keyId}.Arn`]: keyArn },
    );
    const resolveValue = (v: unknown) => resolve(v, env);
    // Change events: the stack's bus, created in moto (which serves EventBridge too), so the writer's
    // PutEvents goes where the template says instead of to AWS.
    for (const [busId] of ofType(template, "AWS::Events::EventBus")) {
      const bus = new EventBridgeClient({
        endpoint: moto.endpoint,
        region,
        credentials: { accessKeyId: "moto", secretAccessKey: "moto" },
      });
      await bus.send(new CreateEventBusCommand({ Name: String(env.refs[busId]) })).catch((e: Error) => {
        if (e.name !== "ResourceAlreadyExistsException") throw e;
      });
      bus.destroy();
    }
    const gatewayConfig = gatewayConfigFrom(template, resolveValue);

    const serverIds = new Set(
      Object.values(assembly.functions).flatMap((fn) =>
        fn.environment.SERVER_ID === undefined ? [] : [String(resolveValue(fn.environment.SERVER_ID))],
      ),
    );
    if (serverIds.size > 1)
      throw new Error(
        `the functions have different SERVER_IDs (${[...serverIds].join(", ")}); the stack gives them one`,
      );
    const [serverId] = serverIds;

    say("[4/5] starting the functions' Lambda-like workers on Node 24…");
    const pools: Record<string, FunctionPool> = {};
    for (const fn of Object.values(assembly.functions)) {
      const environment: Record<string, string> = {
        ...Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, String(resolveValue(v))])),
        // Lambda's own variables for advanced logging controls.
        ...(fn.logFormat ? { AWS_LAMBDA_LOG_FORMAT: fn.logFormat } : {}),
        ...(fn.applicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: fn.applicationLogLevel } : {}),
        // The execution role's credentials would be here; the emulated services check none.
        AWS_ACCESS_KEY_ID: "ASIAEMULATEDLAMBDA00",
        AWS_SECRET_ACCESS_KEY: "emulated",
        AWS_SESSION_TOKEN: "emulated",
        // The AWS SDK's standard endpoint overrides: the handlers and the bundle are unchanged.
        AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
        AWS_ENDPOINT_URL_KMS: moto.endpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: moto.endpoint,
        // AWS logins: the writer relays signed GetCallerIdentity calls to moto's STS, not to AWS's.
        STS_ENDPOINT: moto.endpoint,
      };
      const name = `${assembly.stackName}-${fn.logicalId}`.slice(0, 64);
      const logFile = join(logDir, `${fn.logicalId}.log`);
      pools[fn.logicalId] = new FunctionPool(
        {
          name,
          codeDir: fn.codeDir,
          handler: fn.handler,
          memoryMb: fn.memoryMb,
          timeoutSeconds: fn.timeoutSeconds,
          environment,
        },
        {
          maxInstances: options.maxInstances ?? 4,
          region,
          onLog: (_fn, _stream, text) => {
            appendFileSync(logFile, text, { mode: 0o600 });
            if (options.keepLogs) logs.functions.push(text);
          },
        },
      );
    }
    stops.push(async () => {
      await Promise.all(Object.values(pools).map((p) => p.close()));
    });
    // One initialised instance per function before the first request: a bundle that cannot start fails
    // start-up with its error here, not the first request with a bare 500.
    const used = new Set(
      gatewayConfig.routes.flatMap((r) => [r.functionId, ...(r.authorizer ? [r.authorizer.functionId] : [])]),
    );
    await Promise.all(
      [...used].map(async (id) => {
        const pool = pools[id];
        if (!pool)
          throw new Error(`the API uses function ${id}, which is not a Node.js function of the template`);
        await pool.prewarm();
      }),
    );
    say(`      ${[...used].length} functions ready (${lap()})`);

    say("[5/5] starting the HTTP API gateway…");
    const accessLog = join(logDir, "access.log");
    const gateway = await startGateway(
      gatewayConfig,
      {
        accountId: MOTO_ACCOUNT,
        region,
        invoke: (id, event) => {
          const pool = pools[id];
          if (!pool)
            return Promise.resolve({
              ok: false,
              errorType: "ResourceNotFoundException",
              errorMessage: id,
              ms: 0,
            });
          return pool.invoke(event);
        },
        onRequest: (record) => {
          if (options.keepLogs) logs.requests.push(record);
        },
        onAccessLog: (line) => {
          appendFileSync(accessLog, `${line}\n`, { mode: 0o600 });
          if (options.keepLogs) logs.access.push(line);
        },
      },
      { host: options.host, port: options.port },
    );
    stops.push(gateway.close);

    const tokenFile = join(dataDir, "admin-token");
    let firstAdminToken: string | undefined;
    if (!existsSync(tokenFile)) {
      // The same code path as `scoped-secrets bootstrap`: the token's hash straight into the table.
      const { token } = await bootstrapAdminToken({
        dynamo: ddb.clients,
        table: tableName,
        name: "bootstrap admin",
        actor: "npm run start:cloud (first start)",
      });
      writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
      chmodSync(tokenFile, 0o600);
      firstAdminToken = token;
    }
    return {
      url: gateway.url,
      dataDir,
      firstAdminToken,
      assembly,
      gatewayConfig,
      gatewayStats: gateway.stats,
      pools,
      dynamo: { ...ddb.clients, endpoint: ddb.endpoint, table: tableName },
      kms: { endpoint: moto.endpoint, keyArn },
      sts: { endpoint: moto.endpoint },
      serverId,
      logs,
      pids: () => [...children, ...Object.values(pools).flatMap((p) => p.pids())],
      close: async () => {
        await close();
        recordChildren(pidFile, []);
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The admin token saved by the first start, if any. */
export function readCloudAdminToken(dataDir: string): string | undefined {
  const file = join(dataDir, "admin-token");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

/**
 * What CloudFormation would report after a deploy, for the intrinsics the template's properties use: Ref and
 * Arn of every resource, with the emulated resources' real ids (table name, key id and ARN) where they matter.
 */
function environmentFor(
  assembly: Assembly,
  region: string,
  refs: Record<string, string>,
  attributes: Record<string, string>,
): Environment {
  const env: Environment = {
    accountId: MOTO_ACCOUNT,
    region,
    stackName: assembly.stackName,
    refs: {},
    attributes: {},
  };
  for (const [id, r] of Object.entries(assembly.template.Resources)) {
    const service = r.Type.split("::")[1]?.toLowerCase() ?? "unknown";
    const name = `${assembly.stackName}-${id}`.slice(0, 64);
    env.refs[id] = name;
    env.attributes[`${id}.Arn`] =
      r.Type === "AWS::Lambda::Function"
        ? `arn:aws:lambda:${region}:${MOTO_ACCOUNT}:function:${name}`
        : `arn:aws:${service}:${region}:${MOTO_ACCOUNT}:${id}`;
    // Not served here (CloudFront is out of scope); a stable name so CORS has an origin to allow.
    if (r.Type === "AWS::CloudFront::Distribution")
      env.attributes[`${id}.DomainName`] = `${id.toLowerCase()}.cloudfront.net`;
  }
  Object.assign(env.refs, refs);
  Object.assign(env.attributes, attributes);
  return env;
}

/** The KMS key whose ARN the functions get as KEY_ARN (the envelope key); the only key if there is one. */
function dataKey(assembly: Assembly): [string, Resource] {
  const keys = ofType(assembly.template, "AWS::KMS::Key");
  const used = new Set(
    Object.values(assembly.functions)
      .map((fn) => targetId(fn.environment.KEY_ARN as Cfn))
      .filter((id): id is string => id !== undefined),
  );
  return keys.find(([id]) => used.has(id)) ?? single(assembly.template, "AWS::KMS::Key");
}
