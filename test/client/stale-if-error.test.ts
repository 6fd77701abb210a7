import { afterAll, beforeAll, expect, it } from "vitest";
import { SecretsClient, type SecretsError, type StaleInfo } from "../../client/index.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { setSecret } from "./helpers.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.call("POST", "/v1/environments", {
    token: server.adminToken,
    body: { name: "e", id: "stale_env" },
  });
});
afterAll(() => server?.stop());

const scope = { environmentId: "stale_env" };

async function agentToken(): Promise<{ id: string; token: string }> {
  const res = await server.call("POST", "/v1/tokens", {
    token: server.adminToken,
    body: { name: "agent", role: "agent", environmentId: "stale_env" },
  });
  return res.body.data;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e as SecretsError,
  );

it("serves the last good value, marked stale, while the server is down; never after a 401 or 404", async () => {
  await setSecret(server, "DB_URL", "postgres://primary", "stale_env");
  await setSecret(server, "REVOKED_READ", "r1", "stale_env");
  await setSecret(server, "DELETED", "d1", "stale_env");
  // Every get asks the service (no revalidating cache), so each step below is a real request.
  const options = { baseUrl: server.url, retries: 1, retryBaseMs: 1, timeoutMs: 2_000, cacheTtlMs: 0 };
  const staleEvents: StaleInfo[] = [];

  // A: a healthy read, then the server goes away.
  const a = await agentToken();
  const good = new SecretsClient({
    ...options,
    token: a.token,
    staleIfError: true,
    onStale: (i) => staleEvents.push(i),
  });
  expect((await good.get("DB_URL", scope)).value).toBe("postgres://primary");

  // B: the token is revoked after a good read: the 401 is reported, and the value forgotten.
  const b = await agentToken();
  const revoked = new SecretsClient({ ...options, token: b.token, staleIfError: true });
  expect((await revoked.get("REVOKED_READ", scope)).value).toBe("r1");
  await server.call("DELETE", `/v1/tokens/${b.id}`, { token: server.adminToken });
  expect(await failure(revoked.get("REVOKED_READ", scope))).toMatchObject({ status: 401 });

  // C: the secret is deleted after a good read: the 404 is reported, and the value forgotten.
  const deleting = new SecretsClient({ ...options, token: a.token, staleIfError: true });
  const deletedId = (await deleting.get("DELETED", scope)).id;
  await server.call("DELETE", `/v1/secrets/${deletedId}`, { token: server.adminToken });
  expect(await failure(deleting.get("DELETED", scope))).toMatchObject({ status: 404 });

  // D: the same read without staleIfError.
  const plain = new SecretsClient({ ...options, token: a.token });
  expect((await plain.get("DB_URL", scope)).value).toBe("postgres://primary");

  await server.stop();

  const served = await good.get("DB_URL", scope);
  expect(served).toMatchObject({ name: "DB_URL", value: "postgres://primary", stale: true });
  expect(staleEvents).toHaveLength(1);
  expect(staleEvents[0]).toMatchObject({ name: "DB_URL", environmentId: "stale_env" });
  expect(staleEvents[0]?.error.code).toBe("network");
  // Only what was read before: a name never read is an error, not a guess.
  expect(await failure(good.get("NEVER_READ", scope))).toMatchObject({ code: "network" });

  expect(await failure(revoked.get("REVOKED_READ", scope))).toMatchObject({ code: "network" });
  expect(await failure(deleting.get("DELETED", scope))).toMatchObject({ code: "network" });
  expect(await failure(plain.get("DB_URL", scope))).toMatchObject({ code: "network" });
});
