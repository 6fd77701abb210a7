import { describe, expect, it } from "vitest";
import type { Secret } from "../../client/index.ts";
import type { ApiResponse } from "../../client/sdk/http.ts";
import { type SecretsChangeEvent, SecretWatcher } from "../../client/sdk/secret-watch.ts";

/**
 * The watcher's paging and conditional requests, against a stand-in for GET /v1/secrets that pages its
 * list and honours If-None-Match per page (the real server's behaviour is in conditional-cache.test.ts).
 */

const secret = (name: string, version: number, spaceId: string | null = null): Secret => ({
  id: `sec_${name}_${spaceId ?? "env"}`,
  name,
  environmentId: "e",
  spaceId,
  version,
  inherited: false,
  overridden: false,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
  updatedBy: "t",
  updatedByName: null,
});

/** A paged source: pages of two names, each page's ETag its content. */
function pagedSource(initial: Secret[]) {
  let items = [...initial];
  const calls: Array<{ cursor: string | undefined; ifNoneMatch: string | undefined; status: number }> = [];
  const fetchPage = async (cursor: string | undefined, ifNoneMatch: string | undefined) => {
    const start = cursor ? Number(cursor) : 0;
    const page = items.slice(start, start + 2);
    const next = start + 2 < items.length ? String(start + 2) : undefined;
    const etag = `"${JSON.stringify([page.map((s) => [s.id, s.version]), next])}"`;
    const status = ifNoneMatch === etag ? 304 : 200;
    calls.push({ cursor, ifNoneMatch, status });
    return (
      status === 304 ? { status, data: undefined, etag } : { status, data: page, cursor: next, etag }
    ) as ApiResponse<Secret[]>;
  };
  return {
    fetchPage,
    calls,
    set: (next: Secret[]) => {
      items = next.sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

const poll = async (watcher: SecretWatcher) => {
  // Drive the watcher by hand: its timer is far away.
  await (watcher as unknown as { tick(): Promise<void> }).tick();
};

describe("SecretWatcher", () => {
  it("asks each page with its own ETag, reuses 304 pages, and sees a change on a later page", async () => {
    const source = pagedSource([
      secret("A", 1),
      secret("B", 1),
      secret("C", 1),
      secret("D", 1),
      secret("E", 1),
    ]);
    const events: SecretsChangeEvent[] = [];
    const watcher = new SecretWatcher({ environmentId: "e" }, source.fetchPage, (e) => void events.push(e), {
      intervalMs: 3_600_000,
    });
    await watcher.ready;
    expect(source.calls.map((c) => [c.cursor, c.status])).toEqual([
      [undefined, 200],
      ["2", 200],
      ["4", 200],
    ]);
    source.calls.length = 0;

    await poll(watcher);
    expect(source.calls.map((c) => c.status)).toEqual([304, 304, 304]);
    expect(source.calls.every((c) => c.ifNoneMatch)).toBe(true);
    expect(events).toEqual([]);

    source.calls.length = 0;
    source.set([secret("A", 1), secret("B", 1), secret("C", 1), secret("D", 2), secret("E", 1)]);
    await poll(watcher);
    expect(source.calls.map((c) => c.status)).toEqual([304, 200, 304]);
    expect(events.map((e) => e.changes)).toEqual([
      [{ name: "D", kind: "changed", version: 2, previousVersion: 1, source: "environment" }],
    ]);

    // A name added on the first page shifts the others: every page is read again, and only AA is new.
    source.set([
      secret("A", 1),
      secret("B", 1),
      secret("C", 1),
      secret("D", 2),
      secret("E", 1),
      secret("AA", 1),
    ]);
    await poll(watcher);
    expect(events.at(-1)?.changes).toEqual([
      { name: "AA", kind: "added", version: 1, source: "environment" },
    ]);
    watcher.stop();
  });

  it("reports an override replacing an inherited value as a change of source, even at the same version", async () => {
    const source = pagedSource([secret("TOKEN", 1)]);
    const events: SecretsChangeEvent[] = [];
    const watcher = new SecretWatcher(
      { environmentId: "e", spaceId: "s" },
      source.fetchPage,
      (e) => void events.push(e),
      { intervalMs: 3_600_000 },
    );
    await watcher.ready;
    source.set([secret("TOKEN", 1, "s")]);
    await poll(watcher);
    expect(events.at(-1)?.changes).toEqual([
      { name: "TOKEN", kind: "changed", version: 1, previousVersion: 1, source: "space" },
    ]);
    watcher.stop();
  });

  it("keeps going when the callback throws, and runs no callback after stop()", async () => {
    const source = pagedSource([secret("A", 1)]);
    const errors: unknown[] = [];
    let calls = 0;
    const watcher = new SecretWatcher(
      { environmentId: "e" },
      source.fetchPage,
      () => {
        calls++;
        throw new Error("handler broke");
      },
      { intervalMs: 3_600_000, onError: (e) => errors.push(e) },
    );
    await watcher.ready;
    source.set([secret("A", 2)]);
    await poll(watcher);
    expect(calls).toBe(1);
    expect((errors[0] as Error).message).toBe("handler broke");
    source.set([secret("A", 3)]);
    watcher.stop();
    await poll(watcher);
    expect(calls).toBe(1);
  });
});
