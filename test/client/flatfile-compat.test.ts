import { createHash } from "node:crypto";
import { FlatfileListener } from "@flatfile/listener";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Listener, SecretsClient } from "../../client/index.ts";
import { startTarget, TARGET_START_TIMEOUT_MS, TARGETS, type Target } from "../support/targets.ts";
import { countRequests, seedDesignScopes, setSecret } from "./helpers.ts";

/**
 * The real @flatfile/listener, pointed at this service with AGENT_INTERNAL_URL and FLATFILE_BEARER_TOKEN,
 * reads the right values; and the same listener module runs under our Listener. Against both targets: the
 * local server, and the cloud path (the deployed bundles behind the emulated HTTP API).
 */
describe.each(TARGETS)("@flatfile/listener drop-in ($name)", ({ name, skip }) => {
  if (skip) return void it.skip(skip, () => {});
  let server: Target;
  let agentToken: string;
  /** examples/slack-listener.js: the DESIGN §1 code, verbatim. */
  let designExample: (listener: unknown) => void;
  const saved = { url: process.env.AGENT_INTERNAL_URL, token: process.env.FLATFILE_BEARER_TOKEN };

  beforeAll(async () => {
    designExample = (await import(new URL("../../examples/slack-listener.js", import.meta.url).href)).default;
    server = await startTarget(name);
    agentToken = await seedDesignScopes(server);
    await setSecret(server, "SLACK_TOKEN", "xoxb-environment", "us_env_123");
    await setSecret(server, "MY_CREDENTIAL", "cred-environment", "us_env_123");
    await setSecret(server, "MY_CREDENTIAL", "cred-space", "us_env_123", "us_spa_123");
    // Read by @flatfile/listener when a listener is constructed.
    process.env.AGENT_INTERNAL_URL = `${server.url}/`;
    process.env.FLATFILE_BEARER_TOKEN = agentToken;
  }, TARGET_START_TIMEOUT_MS);
  afterAll(async () => {
    for (const [key, value] of [
      ["AGENT_INTERNAL_URL", saved.url],
      ["FLATFILE_BEARER_TOKEN", saved.token],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await server?.stop();
  });

  /** A listener module written against @flatfile/listener that records what event.secrets returned. */
  const recorder = (got: Record<string, string>) => (listener: { on: FlatfileListener["on"] }) => {
    listener.on("**", async (event) => {
      got.slack = await event.secrets("SLACK_TOKEN");
      got.envCred = await event.secrets("MY_CREDENTIAL");
      got.spaceCred = await event.secrets("MY_CREDENTIAL", {
        environmentId: "us_env_123",
        spaceId: "us_spa_123",
      });
    });
  };

  const expected = { slack: "xoxb-environment", envCred: "cred-environment", spaceCred: "cred-space" };

  describe("the real @flatfile/listener against this service", () => {
    it("reads values with and without the options argument", async () => {
      const got: Record<string, string> = {};
      const listener = new FlatfileListener();
      recorder(got)(listener);
      const before = countRequests(server, "GET", "/v1/secrets");
      await listener.dispatchEvent({
        topic: "job:ready",
        context: { environmentId: "us_env_123" },
        payload: {},
      });
      expect(got).toEqual(expected);
      // It lists a scope once per event: one request for the environment, one for the space.
      expect(countRequests(server, "GET", "/v1/secrets") - before).toBe(2);
      const last = server.logs.at(-1);
      expect(last).toMatchObject({ method: "GET", route: "/v1/secrets", status: 200 });
    });

    it("runs the DESIGN §1 example verbatim without errors", async () => {
      const errors = vi.spyOn(console, "error").mockImplementation(() => {});
      const logs = vi.spyOn(console, "log").mockImplementation(() => {});
      try {
        const listener = new FlatfileListener();
        designExample(listener);
        const before = server.logs.length;
        await listener.dispatchEvent({
          topic: "job:ready",
          context: { environmentId: "us_env_123" },
          payload: {},
        });
        // @flatfile/listener swallows handler errors into console.error and fetch errors into console.log.
        expect(errors).not.toHaveBeenCalled();
        expect(logs).not.toHaveBeenCalled();
        expect(server.logs.slice(before).map((l) => l.status)).toEqual([200, 200]);
      } finally {
        errors.mockRestore();
        logs.mockRestore();
      }
    });
    it("runs examples/fingerprint-listener.js: the values it fingerprints are the right ones", async () => {
      const example = (await import(new URL("../../examples/fingerprint-listener.js", import.meta.url).href))
        .default as (listener: unknown) => void;
      const fp = (v: string) =>
        `${v.length} chars, sha256:${createHash("sha256").update(v).digest("hex").slice(0, 12)}`;
      const logs = vi.spyOn(console, "log").mockImplementation(() => {});
      try {
        const listener = new FlatfileListener();
        example(listener);
        await listener.dispatchEvent({
          topic: "job:ready",
          context: { environmentId: "us_env_123" },
          payload: {},
        });
        expect(logs.mock.calls.map((c) => String(c[0]))).toEqual([
          `SLACK_TOKEN ${fp("xoxb-environment")}`,
          `MY_CREDENTIAL ${fp("cred-space")}`,
        ]);
      } finally {
        logs.mockRestore();
      }
    });
  });

  describe("the same module under our Listener", () => {
    it("gets the same values", async () => {
      const got: Record<string, string> = {};
      const listener = new Listener({
        client: new SecretsClient({ baseUrl: server.url, token: agentToken }),
      });
      recorder(got)(listener as unknown as { on: FlatfileListener["on"] });
      await listener.dispatchEvent({
        topic: "job:ready",
        context: { environmentId: "us_env_123" },
        payload: {},
      });
      expect(got).toEqual(expected);
    });

    it("runs the DESIGN §1 example verbatim", async () => {
      const listener = new Listener({
        client: new SecretsClient({ baseUrl: server.url, token: agentToken }),
      });
      designExample(listener);
      const before = server.logs.length;
      await listener.dispatchEvent({ topic: "job:ready", context: { environmentId: "us_env_123" } });
      expect(server.logs.slice(before).map((l) => [l.route, l.status])).toEqual([
        ["/v1/secrets", 200],
        ["/v1/secrets", 200],
      ]);
    });
  });
});
