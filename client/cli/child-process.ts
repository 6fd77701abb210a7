import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import type { Cli } from "./cli.ts";
import { CliError } from "./exit-codes.ts";

/** A started command and the exit code it ends with (128+n when signal n ended it). */
export interface RunningChild {
  process: ChildProcess;
  exited: Promise<number>;
}

/**
 * Starts `cmd`; resolves once it runs, rejects with exit code 127 (not found) or 126 (cannot run). Its
 * output goes to the CLI's (inherited when the CLI writes to the process's own streams).
 */
export function startChild(
  cli: Cli,
  cmd: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<RunningChild> {
  const { io } = cli;
  const inherit = io.stdout === process.stdout && io.stderr === process.stderr;
  const child = spawn(cmd, [...args], {
    env: env as NodeJS.ProcessEnv,
    cwd: io.cwd,
    stdio: inherit ? "inherit" : ["ignore", "pipe", "pipe"],
  });
  if (!inherit) {
    child.stdout?.on("data", (d: Buffer) => io.stdout.write(d.toString()));
    child.stderr?.on("data", (d: Buffer) => io.stderr.write(d.toString()));
  }
  const exited = new Promise<number>((resolve) => {
    child.once("close", (code, signal) =>
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)),
    );
  });
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve({ process: child, exited }));
    child.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "ENOENT"
          ? new CliError(`command not found: ${cmd}`, 127)
          : e.code === "EACCES"
            ? new CliError(`permission denied: ${cmd}`, 126)
            : new CliError(`could not run ${cmd}: ${e.message}`, 126),
      ),
    );
  });
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves when it has exited. */
export async function stopChild(child: RunningChild, graceMs: number, onKill?: () => void): Promise<number> {
  const { process: p } = child;
  if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      if (p.exitCode === null && p.signalCode === null) {
        onKill?.();
        p.kill("SIGKILL");
      }
      resolve();
    }, graceMs);
  });
  const code = await Promise.race([child.exited, killed.then(() => child.exited)]);
  clearTimeout(timer);
  return code;
}

export const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Passes INT, TERM and HUP on to whatever `target()` returns now; returns the function that stops it. */
export function forwardSignals(target: () => ChildProcess | undefined, onSignal?: () => void): () => void {
  const forward = (signal: NodeJS.Signals) => {
    onSignal?.();
    target()?.kill(signal);
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  return () => {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  };
}
