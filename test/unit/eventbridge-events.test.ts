import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChangeEvent } from "../../lambdas/core/ports.ts";
import {
  EVENT_DETAIL_TYPE,
  EVENT_SOURCE,
  EventBridgeEvents,
  type PublishFailure,
} from "../../lambdas/events/eventbridge-events.ts";

const event: ChangeEvent = {
  type: "secret.updated",
  environmentId: "env_1",
  spaceId: "sp_1",
  name: "API_KEY",
  version: 4,
  at: "2026-12-01T00:00:00.000Z",
  actor: "tok_1",
};

describe("EventBridgeEvents", () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterEach(() => {
    eventBridge.reset();
  });
  const publisher = (timeoutMs?: number) => {
    const failures: PublishFailure[] = [];
    const events = new EventBridgeEvents(new EventBridgeClient({ region: "eu-west-1" }), "ss-bus", {
      onFailure: (f) => failures.push(f),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    return { events, failures };
  };

  it("puts one entry on the named bus: Source scoped-secrets, DetailType Secret Change, the event as Detail", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
    const { events, failures } = publisher();

    // Act
    await events.publish(event);

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entries = calls[0]?.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      EventBusName: "ss-bus",
      Source: EVENT_SOURCE,
      DetailType: EVENT_DETAIL_TYPE,
      Time: new Date(event.at),
    });
    expect(EVENT_SOURCE).toBe("scoped-secrets");
    expect(EVENT_DETAIL_TYPE).toBe("Secret Change");
    expect(JSON.parse(entries[0]?.Detail ?? "")).toEqual(event);
    expect(failures).toEqual([]);
  });

  it("reports a rejected entry (PutEvents answers 200 with FailedEntryCount) without throwing", async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "detail echoed here" }],
    });
    const { events, failures } = publisher();
    await expect(events.publish(event)).resolves.toBeUndefined();
    expect(failures).toEqual([{ event, error: "InternalFailure" }]);
  });

  it("reports a failed call by error name only (never its message) without throwing", async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error("User: arn:… is not authorized"), { name: "AccessDeniedException" }));
    const { events, failures } = publisher();
    await expect(events.publish(event)).resolves.toBeUndefined();
    expect(failures).toEqual([{ event, error: "AccessDeniedException" }]);
    expect(JSON.stringify(failures)).not.toContain("not authorized");
  });

  it("gives up after the timeout when EventBridge does not answer, and aborts the request", async () => {
    vi.useFakeTimers();
    try {
      eventBridge.on(PutEventsCommand).callsFake(
        () =>
          new Promise(() => {
            // never answers
          }),
      );
      const send = vi.spyOn(EventBridgeClient.prototype, "send");
      const { events, failures } = publisher(250);
      const published = events.publish(event);
      await vi.advanceTimersByTimeAsync(249);
      expect(failures).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      await published;
      expect(failures).toEqual([{ event, error: "TimeoutError" }]);
      const signal = (send.mock.calls[0]?.[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
      expect(signal?.aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
