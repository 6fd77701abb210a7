import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { RunStats } from "./stats.ts";

const HERE = import.meta.dirname;

/** What http-load.mjs takes; see that file. */
export interface HttpLoadConfig {
  url: string;
  connections: number;
  durationSec: number;
  warmupSec?: number;
  /** Stop after this many requests instead of after durationSec. */
  amount?: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  pool?: { size: number; prefix: string; body: Record<string, unknown> };
}

export type HttpLoadResult = RunStats & { statusCodes: Record<string, number> };

/** Runs autocannon in a child process against `config.url` and returns its measurements. */
export async function httpLoad(config: HttpLoadConfig): Promise<HttpLoadResult> {
  const { stdout } = await runNode(process.execPath, [
    resolve(HERE, "http-load.mjs"),
    JSON.stringify(config),
  ]);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as HttpLoadResult;
}

/** Runs a node script to completion; rejects with its stderr when it fails. */
export function runNode(
  node: string,
  args: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(node, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.once("error", fail);
    child.once("close", (code) =>
      code === 0
        ? ok({ stdout, stderr })
        : fail(new Error(`${args[0]} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

/** A long-running child that prints one JSON line when ready; stopped by stop(). */
export interface Daemon<T> {
  ready: T;
  pid: number;
  stop(): Promise<void>;
}

export function startDaemon<T>(args: string[]): Promise<Daemon<T>> {
  return new Promise((ok, fail) => {
    const child: ChildProcess = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
    let buffer = "";
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`${args[0]} exited ${code} before it was ready`)));
    child.stdout?.on("data", (d) => {
      buffer += d;
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line) {
        child.removeAllListeners("exit");
        ok({
          ready: JSON.parse(line) as T,
          pid: child.pid ?? 0,
          stop: () =>
            new Promise<void>((r) => {
              child.once("exit", () => r());
              child.stdin?.end();
            }),
        });
      }
    });
  });
}

/** CPU milliseconds (user + system) a child process has used so far, from /proc; undefined elsewhere. */
export const processCpuMs = (pid: number): number | undefined => statCpuMs(`/proc/${pid}/stat`);

/** CPU milliseconds one thread of this process has used (the main thread's id is the pid), from /proc. */
export const threadCpuMs = (tid: number): number | undefined => statCpuMs(`/proc/self/task/${tid}/stat`);

function statCpuMs(path: string): number | undefined {
  try {
    const stat = readFileSync(path, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;
