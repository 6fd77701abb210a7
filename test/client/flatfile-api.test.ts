import { FlatfileClient } from "@flatfile/api";
import { FlatfileClient as GeneratedFlatfileClient } from "@flatfile/api/Client.js";
import { type Fetcher, fetcher } from "@flatfile/api/core/index.js";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from "vitest";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { seedDesignScopes } from "./helpers.ts";

/**
 * Flatfile's own management client (@flatfile/api) manages secrets through this API unchanged, over
 * real HTTP. Its fetcher sends a `Keep-Alive: timeout=200` request header, which Node's built-in fetch
 * (undici) refuses before anything leaves the process; the workarounds below are the ones README.md
 * documents.
 */
let server: TestServer;
const ENV = "us_env_123";
const SPACE = "us_spa_123";

beforeAll(async () => {
  server = await startTestServer();
  await seedDesignScopes(server);
});
afterAll(() => server?.stop());

// The client expects upsert and delete to answer with a list and says so with console.warn; it still
// returns the answer (README: "one secret, not a list"). Each test checks exactly what was warned.
let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());
const LIST_WARNING = "Failed to validate.\n  - Expected list. Received object.";

/** The README's fetcher: the package's own, minus the one header Node's fetch rejects. */
const withoutKeepAlive: typeof fetcher = (args: Fetcher.Args) =>
  fetcher({ ...args, headers: { ...args.headers, "Keep-Alive": undefined } });

const client = () =>
  new GeneratedFlatfileClient({
    baseUrl: `${server.url}/v1`,
    token: server.adminToken,
    fetcher: withoutKeepAlive,
  });

/** What the service holds, read back as admin through our own API. */
async function stored(spaceId?: string) {
  const q = spaceId ? `&spaceId=${spaceId}` : "";
  const res = await server.call("GET", `/v1/secrets?environmentId=${ENV}${q}`, { token: server.adminToken });
  return res.body.data as {
    id: string;
    name: string;
    value: string;
    version: number;
    spaceId: string | null;
  }[];
}

describe("@flatfile/api secrets against this service", () => {
  it("as shipped, fails inside Node's fetch on its Keep-Alive request header (nothing reaches the server)", async () => {
    const before = server.logs.length;
    const plain = new FlatfileClient({ apiUrl: server.url, token: server.adminToken });
    const error = await plain.secrets.list({ environmentId: ENV }, { maxRetries: 0 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe("fetch failed");
    expect(server.logs.length).toBe(before);
    await expect(fetch(server.url, { headers: { "Keep-Alive": "timeout=200" } })).rejects.toMatchObject({
      cause: { code: "UND_ERR_INVALID_ARG", message: "invalid keep-alive header" },
    });
  });

  it("upserts, lists, overrides in a space and deletes with a custom fetcher", async () => {
    const ff = client();
    const first = await ff.secrets.upsert({
      name: "SLACK_TOKEN",
      value: "xoxb-from-flatfile-1",
      environmentId: ENV,
    });
    // data is the written secret (an object, not a list) and never echoes the value.
    expect(first.data).toMatchObject({ name: "SLACK_TOKEN", version: 1, environmentId: ENV });
    expect(JSON.stringify(first.data)).not.toContain("xoxb-from-flatfile-1");
    // actorId, as in Flatfile's own examples, is accepted and ignored: the actor is the token.
    await ff.secrets.upsert({
      name: "SLACK_TOKEN",
      value: "xoxb-from-flatfile-2",
      environmentId: ENV,
      actorId: "us_usr_123",
    });
    await ff.secrets.upsert({
      name: "SLACK_TOKEN",
      value: "xoxb-space-override",
      environmentId: ENV,
      spaceId: SPACE,
    });

    const envList = await ff.secrets.list({ environmentId: ENV });
    expect(envList.data.map((s) => [s.name, s.value])).toEqual([["SLACK_TOKEN", "xoxb-from-flatfile-2"]]);
    const spaceList = await ff.secrets.list({ environmentId: ENV, spaceId: SPACE });
    expect(spaceList.data.map((s) => [s.name, s.value, s.spaceId])).toEqual([
      ["SLACK_TOKEN", "xoxb-space-override", SPACE],
    ]);
    expect((await stored())[0]).toMatchObject({ value: "xoxb-from-flatfile-2", version: 2 });

    // Deleting the override by its id lets the environment value show through again.
    const overrideId = spaceList.data[0]?.id as string;
    await ff.secrets.delete(overrideId);
    expect((await stored(SPACE)).map((s) => [s.value, s.spaceId])).toEqual([["xoxb-from-flatfile-2", null]]);

    // History names the token that wrote through @flatfile/api.
    const id = envList.data[0]?.id as string;
    const versions = await server.call("GET", `/v1/secrets/${id}/versions`, { token: server.adminToken });
    expect(versions.body.data.map((v: { createdByName: string }) => v.createdByName)).toEqual([
      "bootstrap admin",
      "bootstrap admin",
    ]);
    expect(warn.mock.calls.map((c) => c[0])).toEqual(Array(4).fill(LIST_WARNING)); // 3 upserts, 1 delete
  });

  it("maps the service's errors to its own error classes", async () => {
    const ff = client();
    await expect(ff.secrets.list({ environmentId: "missing_env" })).rejects.toMatchObject({
      statusCode: 404,
      body: { errors: [{ key: "environmentId", message: "environment missing_env not found" }] },
    });
    await expect(
      ff.secrets.upsert({ name: "1BAD", value: "x", environmentId: ENV }, { maxRetries: 0 }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("works per call, or for every client of the process, without a custom fetcher", async () => {
    const ff = new FlatfileClient({ apiUrl: server.url, token: server.adminToken });
    // Per call: an undefined header is dropped by the client's own fetcher.
    const noKeepAlive = { headers: { "Keep-Alive": undefined as unknown as string } };
    await ff.secrets.upsert({ name: "PER_CALL", value: "per-call-value", environmentId: ENV }, noKeepAlive);
    const listed = await ff.secrets.list({ environmentId: ENV }, noKeepAlive);
    expect(listed.data.find((s) => s.name === "PER_CALL")?.value).toBe("per-call-value");

    // Process-wide: wrap the global fetch (this also covers @flatfile/api's default export).
    const nodeFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete("keep-alive");
      return nodeFetch(input, { ...init, headers });
    };
    try {
      const all = await ff.secrets.list({ environmentId: ENV });
      expect(all.data.map((s) => s.name).sort()).toEqual(["PER_CALL", "SLACK_TOKEN"]);
    } finally {
      globalThis.fetch = nodeFetch;
    }
  });
});
