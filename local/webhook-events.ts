import { setTimeout as sleep } from "node:timers/promises";
import type { ChangeEvent, ChangeEvents } from "../lambdas/core/ports.ts";
import { SIGNATURE_HEADER, signWebhook } from "./webhook-signature.ts";

export interface WebhookTuning {
  /** Events waiting beyond the one in flight; when full, the oldest waiting event is dropped. */
  maxQueue: number;
  /** Per attempt, connection to response headers. */
  timeoutMs: number;
  /** Attempts per event, the first included. */
  maxAttempts: number;
  /** First retry delay; doubled per attempt (with jitter), at most maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** How long close() waits for the queue to empty before it gives up on what is left. */
  drainMs: number;
}

export const DEFAULT_WEBHOOK_TUNING: WebhookTuning = {
  maxQueue: 1_000,
  timeoutMs: 5_000,
  maxAttempts: 5,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  drainMs: 2_000,
};

export interface WebhookEventsOptions extends Partial<WebhookTuning> {
  url: string;
  secret: string;
  userAgent: string;
  /** Warning lines (JSON objects): never a value, never the URL's path or query (they may hold a token). */
  log: (line: Record<string, unknown>) => void;
  now?: () => number;
}

export interface WebhookStats {
  delivered: number;
  /** Gave up after the last attempt, or on a response that retrying cannot fix. */
  failed: number;
  /** Dropped because the queue was full or the server stopped first. */
  dropped: number;
  retries: number;
  queued: number;
}

/** How often a full queue is reported, at most. */
const DROP_LOG_INTERVAL_MS = 10_000;

type Outcome = { ok: true } | { ok: false; retry: boolean; reason: string; retryAfterMs?: number };

/**
 * Change events as signed webhook POSTs (local server, `EVENTS_WEBHOOK_URL`). `publish` only enqueues:
 * one delivery loop sends events in order, with timeouts and retries, so a slow or dead receiver
 * delays other events, never a write. The queue is bounded; what it drops is counted and logged.
 */
export class WebhookEvents implements ChangeEvents {
  private readonly tuning: WebhookTuning;
  private readonly queue: ChangeEvent[] = [];
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly counts = { delivered: 0, failed: 0, dropped: 0, retries: 0 };
  private unloggedDrops = 0;
  private lastDropLog = Number.NEGATIVE_INFINITY;
  private dropLogTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  readonly target: string;

  constructor(private readonly options: WebhookEventsOptions) {
    this.tuning = { ...DEFAULT_WEBHOOK_TUNING, ...definedOnly(options) };
    this.now = options.now ?? Date.now;
    this.target = new URL(options.url).origin;
  }

  publish(event: ChangeEvent): Promise<void> {
    if (this.closed) {
      this.drop(1);
      return Promise.resolve();
    }
    this.queue.push(event);
    if (this.queue.length > this.tuning.maxQueue) this.drop(this.queue.splice(0, 1).length);
    this.kick();
    return Promise.resolve();
  }

  /**
   * Starts the delivery loop unless it runs (on a later turn of the event loop, so not even signing or
   * opening the request happens on the write's path); restarts it if an event arrived as it finished.
   */
  private kick(): void {
    if (this.running || this.queue.length === 0 || this.stopping.signal.aborted) return;
    this.running = new Promise<void>((r) => setImmediate(r))
      .then(() => this.run())
      .finally(() => {
        this.running = undefined;
        this.kick();
      });
  }

  stats(): WebhookStats {
    return { ...this.counts, queued: this.queue.length };
  }

  /** Gives the queue up to drainMs to empty, then stops; what is left is dropped and logged. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.logDrops(true); // queue-full drops so far, reported as such
    this.closed = true;
    if (this.running) {
      const drained = new AbortController();
      await Promise.race([
        this.running,
        sleep(this.tuning.drainMs, undefined, { signal: drained.signal }),
      ]).catch(() => undefined);
      drained.abort();
    }
    this.stopping.abort();
    await this.running;
    this.drop(this.queue.splice(0).length);
    this.logDrops(true);
  }

  private async run(): Promise<void> {
    for (let event = this.queue.shift(); event; event = this.queue.shift()) {
      if ((await this.deliver(event)) === "stopped") {
        this.queue.unshift(event);
        return;
      }
    }
  }

  /** Sends one event until it is delivered or given up on ("done"), or the publisher stops. */
  private async deliver(event: ChangeEvent): Promise<"done" | "stopped"> {
    const body = JSON.stringify(event);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(event, body);
      if (outcome.ok) {
        this.counts.delivered++;
        return "done";
      }
      if (this.stopping.signal.aborted) return "stopped";
      if (!outcome.retry || attempt >= this.tuning.maxAttempts) {
        this.counts.failed++;
        const { type, environmentId, spaceId, name, version } = event;
        this.options.log({
          level: "warn",
          message: "change event not delivered",
          target: this.target,
          type,
          environmentId,
          spaceId,
          name,
          version,
          attempts: attempt,
          reason: outcome.reason,
        });
        return "done";
      }
      this.counts.retries++;
      const backoff = Math.min(this.tuning.backoffMs * 2 ** (attempt - 1), this.tuning.maxBackoffMs);
      const delay = Math.max(backoff * (0.5 + Math.random() / 2), outcome.retryAfterMs ?? 0);
      try {
        await sleep(delay, undefined, { signal: this.stopping.signal });
      } catch {
        return "stopped";
      }
    }
  }

  private async attempt(event: ChangeEvent, body: string): Promise<Outcome> {
    // Signed per attempt: a receiver's timestamp tolerance then holds however long the retries took.
    const signature = signWebhook(this.options.secret, body, Math.floor(this.now() / 1000));
    try {
      const res = await fetch(this.options.url, {
        method: "POST",
        body,
        redirect: "manual",
        headers: {
          "content-type": "application/json",
          "user-agent": this.options.userAgent,
          "x-scoped-secrets-event": event.type,
          [SIGNATURE_HEADER]: signature,
        },
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.tuning.timeoutMs)]),
      });
      // The receiver's body is not needed (and could be large): release the connection at once.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const retry = res.status === 408 || res.status === 429 || res.status >= 500;
      const retryAfter = Number(res.headers.get("retry-after"));
      return {
        ok: false,
        retry,
        reason: `HTTP ${res.status}`,
        ...(Number.isFinite(retryAfter) && retryAfter > 0
          ? { retryAfterMs: Math.min(retryAfter, 60) * 1000 }
          : {}),
      };
    } catch (e) {
      const name = (e as Error)?.name;
      return { ok: false, retry: true, reason: name === "TimeoutError" ? "timeout" : "unreachable" };
    }
  }

  private drop(n: number): void {
    if (n <= 0) return;
    this.counts.dropped += n;
    this.unloggedDrops += n;
    this.logDrops(false);
  }

  private logDrops(force: boolean): void {
    if (this.unloggedDrops === 0) return;
    const wait = this.lastDropLog + DROP_LOG_INTERVAL_MS - this.now();
    if (!force && wait > 0) {
      // Reported later, in one line, however many more are dropped meanwhile.
      this.dropLogTimer ??= setTimeout(() => {
        this.dropLogTimer = undefined;
        this.logDrops(true);
      }, wait).unref();
      return;
    }
    clearTimeout(this.dropLogTimer);
    this.dropLogTimer = undefined;
    this.options.log({
      level: "warn",
      message: this.closed
        ? "change events dropped: the server stopped before they were delivered"
        : "change event queue full: dropped the oldest events",
      target: this.target,
      dropped: this.unloggedDrops,
      droppedTotal: this.counts.dropped,
    });
    this.unloggedDrops = 0;
    this.lastDropLog = this.now();
  }
}

const definedOnly = (o: object): Partial<WebhookTuning> =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => k in DEFAULT_WEBHOOK_TUNING && v !== undefined));
