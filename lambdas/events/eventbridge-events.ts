import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { ChangeEvent, ChangeEvents } from "../core/ports.ts";

/** The contract with the stack's rules and subscribers (infra/): keep these names stable. */
export const EVENT_SOURCE = "scoped-secrets";
export const EVENT_DETAIL_TYPE = "Secret Change";

/**
 * Long enough for PutEvents in the same region (tens of ms), short enough that a degraded EventBridge
 * adds at most this to a write. The publish is awaited because Lambda may freeze an invocation as soon
 * as it returns, and a request still in flight would then be lost or sent minutes later.
 */
export const PUBLISH_TIMEOUT_MS = 1_000;

export interface EventBridgeEventsOptions {
  timeoutMs?: number;
  /** Called once per event that did not reach the bus; it must not throw. */
  onFailure: (reason: PublishFailure) => void;
}

/** What may be logged about a failed publish: the event (names and versions only) and the kind of error. */
export interface PublishFailure {
  event: ChangeEvent;
  /** An error name or EventBridge's entry error code; never an error message (it could echo input). */
  error: string;
}

/** Change events to an EventBridge bus (`Source: scoped-secrets`, `DetailType: Secret Change`). */
export class EventBridgeEvents implements ChangeEvents {
  private readonly timeoutMs: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly options: EventBridgeEventsOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? PUBLISH_TIMEOUT_MS;
  }

  async publish(event: ChangeEvent): Promise<void> {
    const command = new PutEventsCommand({
      Entries: [
        {
          EventBusName: this.busName,
          Source: EVENT_SOURCE,
          DetailType: EVENT_DETAIL_TYPE,
          Detail: JSON.stringify(event),
          Time: new Date(event.at),
        },
      ],
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const abort = new AbortController();
      // The signal cancels the HTTP request; the race bounds the wait whatever the client does with it.
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort();
          reject(Object.assign(new Error("PutEvents timed out"), { name: "TimeoutError" }));
        }, this.timeoutMs);
      });
      const result = await Promise.race([this.client.send(command, { abortSignal: abort.signal }), timedOut]);
      // PutEvents reports a rejected entry in the response, not as an exception.
      const entry = result.Entries?.[0];
      if ((result.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode)
        this.options.onFailure({ event, error: entry?.ErrorCode ?? "FailedEntry" });
    } catch (e) {
      this.options.onFailure({ event, error: errorName(e) });
    } finally {
      clearTimeout(timer);
    }
  }
}

const errorName = (e: unknown): string =>
  typeof e === "object" && e !== null && typeof (e as { name?: unknown }).name === "string"
    ? (e as { name: string }).name
    : "Error";
