import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Listener, type ListenerEvent, matchTopic, SecretsClient, SecretsError } from "../../client/index.ts";
import { startTestServer, type TestServer } from "../support/local-server.ts";
import { countRequests, seedDesignScopes, setSecret } from "./helpers.ts";

let server: TestServer;
let agent: SecretsClient;

beforeAll(async () => {
  server = await startTestServer();
  const token = await seedDesignScopes(server);
  await setSecret(server, "SLACK_TOKEN", "xoxb-environment", "us_env_123");
  await setSecret(server, "MY_CREDENTIAL", "cred-environment", "us_env_123");
  await setSecret(server, "MY_CREDENTIAL", "cred-space", "us_env_123", "us_spa_123");
  // The event's own cache is under test here: the client's (revalidating, test/client/conditional-cache) is off.
  agent = new SecretsClient({ baseUrl: server.url, token, cacheTtlMs: 0 });
});
afterAll(() => server?.stop());

const secretReads = () => countRequests(server, "GET", "/v1/secrets");

describe("topic patterns", () => {
  it.each([
    ["**", "job:ready", true],
    ["**", "space:created", true],
    ["job:*", "job:ready", true],
    ["job:*", "job:ready:now", false],
    ["job:*", "space:created", false],
    ["job:ready", "job:ready", true],
    ["job:ready", "job:readyish", false],
    ["job:**", "job:ready:now", true],
    ["*:created", "space:created", true],
    ["job:re?dy", "job:ready", true],
    [["space:*", "job:ready"], "job:ready", true],
  ] as const)("%j matches %s: %s", (pattern, topic, expected) => {
    expect(matchTopic(pattern, topic)).toBe(expected);
  });

  it("routes events only to matching handlers, in order", async () => {
    const seen: string[] = [];
    const listener = new Listener({ client: agent })
      .on("**", (e) => void seen.push(`all:${e.topic}`))
      .on("job:*", (e) => void seen.push(`job:${e.topic}`))
      .on("job:ready", (e) => void seen.push(`ready:${(e.payload as { n: number }).n}`));
    await listener.dispatchEvent({ topic: "job:ready", payload: { n: 1 } });
    await listener.dispatchEvent({ topic: "space:created" });
    expect(seen).toEqual(["all:job:ready", "job:job:ready", "ready:1", "all:space:created"]);
    expect(listener.countHandlers("job:failed")).toBe(2);
  });
});

describe("event.secrets", () => {
  it("resolves in the event's scope, or in the scope given in options", async () => {
    const got: Record<string, string> = {};
    const listener = new Listener({ client: agent });
    listener.on("**", async (event) => {
      got.slack = await event.secrets("SLACK_TOKEN");
      got.envCred = await event.secrets("MY_CREDENTIAL");
      got.spaceCred = await event.secrets("MY_CREDENTIAL", {
        environmentId: "us_env_123",
        spaceId: "us_spa_123",
      });
    });
    await listener.dispatchEvent({ topic: "job:ready", context: { environmentId: "us_env_123" } });
    expect(got).toEqual({ slack: "xoxb-environment", envCred: "cred-environment", spaceCred: "cred-space" });

    const inSpace: string[] = [];
    await new Listener({ client: agent })
      .on("**", async (e) => {
        inSpace.push(await e.secrets("MY_CREDENTIAL"), await e.secrets("SLACK_TOKEN"));
      })
      .dispatchEvent({ topic: "x", context: { environmentId: "us_env_123", spaceId: "us_spa_123" } });
    expect(inSpace).toEqual(["cred-space", "xoxb-environment"]);
  });

  it("fetches a name once per event, even when asked repeatedly and concurrently", async () => {
    let event: ListenerEvent | undefined;
    const listener = new Listener({ client: agent }).on("**", async (e) => {
      event = e;
      const concurrent = await Promise.all([
        e.secrets("SLACK_TOKEN"),
        e.secrets("SLACK_TOKEN"),
        e.secrets("SLACK_TOKEN"),
      ]);
      const again = await e.secrets("SLACK_TOKEN");
      expect(new Set([...concurrent, again])).toEqual(new Set(["xoxb-environment"]));
    });
    // A second handler for the same event shares the event's cache.
    listener.on("job:*", async (e) => {
      expect(await e.secrets("SLACK_TOKEN")).toBe("xoxb-environment");
    });
    const before = secretReads();
    await listener.dispatchEvent({ topic: "job:ready", context: { environmentId: "us_env_123" } });
    expect(secretReads() - before).toBe(1);
    expect(event?.topic).toBe("job:ready");

    // A new event asks again: the cache lives as long as the event.
    await listener.dispatchEvent({ topic: "job:ready", context: { environmentId: "us_env_123" } });
    expect(secretReads() - before).toBe(2);
  });

  it("counts a different scope as a different secret", async () => {
    const before = secretReads();
    await new Listener({ client: agent })
      .on("**", async (e) => {
        await Promise.all([
          e.secrets("MY_CREDENTIAL"),
          e.secrets("MY_CREDENTIAL", { spaceId: "us_spa_123" }),
          e.secrets("MY_CREDENTIAL", { spaceId: "us_spa_123" }),
        ]);
      })
      .dispatchEvent({ topic: "t", context: { environmentId: "us_env_123" } });
    expect(secretReads() - before).toBe(2);
  });

  it("throws an error naming the secret and the scope when it is missing", async () => {
    const listener = new Listener({ client: agent }).on("**", async (e) => {
      await e.secrets("MISSING_ONE", { spaceId: "us_spa_123" });
    });
    const error = await listener
      .dispatchEvent({ topic: "t", context: { environmentId: "us_env_123" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect((error as SecretsError).message).toBe(
      "secret MISSING_ONE not found in space us_spa_123 of environment us_env_123",
    );
  });

  it("needs an environment from the event or the options", async () => {
    const error = await new Listener({ client: agent })
      .on("**", (e) => e.secrets("SLACK_TOKEN"))
      .dispatchEvent({ topic: "t" })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain('event.secrets("SLACK_TOKEN"): no environmentId');
  });

  it("rejects dispatchEvent with a handler's error, after running the other handlers", async () => {
    const ran: string[] = [];
    const listener = new Listener({ client: agent })
      .on("**", () => {
        throw new Error("first broke");
      })
      .on("**", () => void ran.push("second"));
    await expect(listener.dispatchEvent({ topic: "t" })).rejects.toThrow("first broke");
    expect(ran).toEqual(["second"]);
    listener.on("**", () => Promise.reject(new Error("third broke")));
    await expect(listener.dispatchEvent({ topic: "t" })).rejects.toBeInstanceOf(AggregateError);
  });

  it("reports what each fetch resolved to, without the value", async () => {
    const resolutions: unknown[] = [];
    await new Listener({ client: agent, onSecret: (r) => resolutions.push(r) })
      .on("**", async (e) => {
        await e.secrets("MY_CREDENTIAL", { spaceId: "us_spa_123" });
        await e.secrets("MY_CREDENTIAL", { spaceId: "us_spa_123" });
      })
      .dispatchEvent({ topic: "t", context: { environmentId: "us_env_123" } });
    expect(resolutions).toHaveLength(1);
    expect(resolutions[0]).toMatchObject({
      name: "MY_CREDENTIAL",
      secret: { spaceId: "us_spa_123", overridden: true },
    });
    expect(JSON.stringify(resolutions)).not.toContain("cred-space");
  });

  it("builds its client from SCOPED_SECRETS_URL and SCOPED_SECRETS_TOKEN when given none", async () => {
    const saved = { url: process.env.SCOPED_SECRETS_URL, token: process.env.SCOPED_SECRETS_TOKEN };
    process.env.SCOPED_SECRETS_URL = server.url;
    process.env.SCOPED_SECRETS_TOKEN = server.adminToken;
    try {
      let value = "";
      await new Listener()
        .on("**", async (e) => {
          value = await e.secrets("SLACK_TOKEN");
        })
        .dispatchEvent({ topic: "t", context: { environmentId: "us_env_123" } });
      expect(value).toBe("xoxb-environment");
    } finally {
      process.env.SCOPED_SECRETS_URL = saved.url;
      process.env.SCOPED_SECRETS_TOKEN = saved.token;
      if (saved.url === undefined) delete process.env.SCOPED_SECRETS_URL;
      if (saved.token === undefined) delete process.env.SCOPED_SECRETS_TOKEN;
    }
  });
});
