import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../client/cli/program.ts";
import { Listener, SecretsClient, SecretsError } from "../../client/index.ts";

/**
 * A bearer token over plain http:// to another machine can be read by anyone on the path: the SDK
 * (and so the CLI and Listener) refuses before sending anything, unless explicitly allowed.
 */

const TOKEN = `sst_${"T".repeat(43)}`;

/** A fetch that records what would have been sent, and answers like the service. */
function recordingFetch() {
  const sent: Array<{ url: string; authorization: string | null }> = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(input), authorization: new Headers(init?.headers).get("authorization") });
    return new Response(JSON.stringify({ data: [] }), { headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  return { sent, fetch };
}

const failure = (f: () => unknown): SecretsError => {
  try {
    f();
  } catch (e) {
    return e as SecretsError;
  }
  throw new Error("expected a failure");
};

describe("SecretsClient over plain http://", () => {
  it.each([
    "http://secrets.example.com",
    "http://10.0.0.5:8787",
    "http://[2001:db8::1]:8787",
    "HTTP://Example.COM/",
  ])("refuses to send a token to %s, with an error that says how to fix it and sends nothing", (baseUrl) => {
    const { sent, fetch } = recordingFetch();
    const e = failure(() => new SecretsClient({ baseUrl, token: TOKEN, fetch, env: {} }));
    expect(e).toBeInstanceOf(SecretsError);
    expect(e).toMatchObject({ code: "insecure_transport", status: 0 });
    expect(e.message).toContain("refusing to send a token over plain http://");
    expect(e.message).toContain("https://");
    expect(e.message).toContain("allowInsecureHttp");
    expect(e.message).toContain("SCOPED_SECRETS_ALLOW_HTTP=1");
    expect(`${e.message}${e.stack}`).not.toContain(TOKEN);
    expect(sent).toEqual([]);
  });

  it.each([
    "http://127.0.0.1:8787",
    "http://localhost:8787",
    "http://[::1]:8787",
    "http://127.1.2.3",
    "https://secrets.example.com",
  ])("sends the token to %s (this machine, or TLS)", async (baseUrl) => {
    const { sent, fetch } = recordingFetch();
    await new SecretsClient({ baseUrl, token: TOKEN, fetch, env: {} }).list({ environmentId: "e" });
    expect(sent.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`]);
  });

  it("sends it when allowed by the option or by SCOPED_SECRETS_ALLOW_HTTP=1", async () => {
    const { sent, fetch } = recordingFetch();
    const baseUrl = "http://secrets.internal:8787";
    await new SecretsClient({ baseUrl, token: TOKEN, fetch, env: {}, allowInsecureHttp: true }).list({
      environmentId: "e",
    });
    await new SecretsClient({
      fetch,
      env: { SCOPED_SECRETS_URL: baseUrl, SCOPED_SECRETS_TOKEN: TOKEN, SCOPED_SECRETS_ALLOW_HTTP: "1" },
    }).list({ environmentId: "e" });
    expect(sent).toHaveLength(2);
    // The option wins over the environment.
    const e = failure(
      () =>
        new SecretsClient({
          baseUrl,
          token: TOKEN,
          allowInsecureHttp: false,
          env: { SCOPED_SECRETS_ALLOW_HTTP: "1" },
        }),
    );
    expect(e.code).toBe("insecure_transport");
  });

  it("without a token, plain http:// to another host is allowed (health needs none)", async () => {
    const { sent, fetch } = recordingFetch();
    await new SecretsClient({ baseUrl: "http://secrets.example.com", fetch, env: {} })
      .list({ environmentId: "e" })
      .catch(() => undefined);
    expect(sent.map((s) => s.authorization)).toEqual([null]);
  });

  it("a Listener's default client (from the environment) refuses too", async () => {
    const before = { ...process.env };
    process.env.SCOPED_SECRETS_URL = "http://secrets.example.com";
    process.env.SCOPED_SECRETS_TOKEN = TOKEN;
    delete process.env.SCOPED_SECRETS_ALLOW_HTTP;
    try {
      const listener = new Listener().on("**", async (event) => {
        await event.secrets("X");
      });
      await expect(
        listener.dispatchEvent({ topic: "t", context: { environmentId: "e" } }),
      ).rejects.toMatchObject({ code: "insecure_transport" });
    } finally {
      process.env = before;
    }
  });
});

describe("the CLI over plain http://", () => {
  const run = async (env: Record<string, string>) => {
    const { sent, fetch } = recordingFetch();
    let err = "";
    const code = await runCli(["ls", "-e", "e"], {
      stdout: { write: () => true },
      stderr: {
        write: (s: string) => {
          err += s;
        },
      },
      stdin: Readable.from([]),
      env: { SCOPED_SECRETS_URL: "http://secrets.example.com", SCOPED_SECRETS_TOKEN: TOKEN, ...env },
      cwd: process.cwd(),
      fetch,
    });
    return { code, err, sent };
  };

  it("exits 2 with the reason, having sent nothing", async () => {
    const r = await run({});
    expect(r.code).toBe(2);
    expect(r.err).toContain("refusing to send a token over plain http:// to secrets.example.com");
    expect(r.err).not.toContain(TOKEN);
    expect(r.sent).toEqual([]);
  });

  it("goes ahead with SCOPED_SECRETS_ALLOW_HTTP=1", async () => {
    const r = await run({ SCOPED_SECRETS_ALLOW_HTTP: "1" });
    expect(r.sent).toHaveLength(1);
    expect(r.code).toBe(0);
  });
});
