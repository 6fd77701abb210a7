import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import type { Cfn } from "./template.ts";

/** The one line that installs what moto's KMS server needs. */
export const MOTO_INSTALL = 'pip install "moto[server]"';
const LAUNCHER = resolve(import.meta.dirname, "moto-kms.py");
/** moto's default account. */
export const MOTO_ACCOUNT = "123456789012";

/** Why moto's server cannot run here (with the install line), or undefined when it can. */
export function motoProblem(): string | undefined {
  const r = spawnSync("python3", ["-c", "import moto.server, moto.kms"], { encoding: "utf8" });
  if (r.error) return `python3 is not on PATH; install Python 3, then: ${MOTO_INSTALL}`;
  if (r.status !== 0) return `moto's server is not installed for python3; install it with: ${MOTO_INSTALL}`;
  return undefined;
}

export interface KeyFile {
  keyId: string;
  material: string;
}

/**
 * The KMS key's id and material, created on first start (0600, like the local server's master.key). moto
 * keeps no state on disk; recreating the key from this file after a restart is what keeps stored values
 * readable (docs/cloud-path.md).
 */
export function ensureKeyFile(path: string): KeyFile {
  if (!existsSync(path))
    writeFileSync(
      path,
      JSON.stringify({ keyId: randomUUID(), material: randomBytes(32).toString("base64") } satisfies KeyFile),
      { mode: 0o600, flag: "wx" },
    );
  return JSON.parse(readFileSync(path, "utf8")) as KeyFile;
}

export interface Moto {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** moto's server (KMS over its real wire protocol, STS) on 127.0.0.1:`port`. */
export async function startMoto(options: { keyFile: string; port: number }): Promise<Moto> {
  const child: ChildProcess = spawn("python3", [LAUNCHER, options.keyFile, String(options.port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  // moto logs every request line (method and path only); kept for start-up errors, never printed otherwise.
  for (const s of [child.stdout, child.stderr])
    s?.on("data", (d: Buffer) => {
      output = (output + d.toString("utf8")).slice(-4000);
    });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`moto's server exited (${child.exitCode}):\n${output.trim()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto's server did not answer on ${endpoint} within 30 s:\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { endpoint, pid: child.pid ?? 0, stop };
}

/** A KMS client for moto (any credentials: moto checks no signatures). */
export function motoKms(endpoint: string, region: string): KMSClient {
  return new KMSClient({ endpoint, region, credentials: { accessKeyId: "moto", secretAccessKey: "moto" } });
}

/**
 * Creates the stack's key as the template declares it (description, rotation, alias) and returns its ARN.
 * The key policy is not sent: moto does not evaluate policies (IAM evaluation is out of scope, README).
 */
export async function createKeyFromTemplate(
  kms: KMSClient,
  keyProps: Cfn,
  aliasName: string | undefined,
): Promise<string> {
  const created = await kms.send(
    new CreateKeyCommand({
      Description: keyProps.Description,
      KeyUsage: keyProps.KeyUsage ?? "ENCRYPT_DECRYPT",
      KeySpec: keyProps.KeySpec ?? "SYMMETRIC_DEFAULT",
    }),
  );
  const keyId = created.KeyMetadata?.KeyId ?? "";
  if (keyProps.EnableKeyRotation) await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
  if (aliasName) await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
  const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  return described.KeyMetadata?.Arn ?? "";
}
