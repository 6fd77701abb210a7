import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { EXIT } from "../../client/cli/exit-codes.ts";
import { awsIam, SecretsClient, SecretsError } from "../../client/index.ts";
import { type LocalServer, startLocalServer } from "../../local/server.ts";
import { type MotoSts, startMotoSts } from "../support/moto-sts.ts";
import { cli } from "./helpers.ts";

const root = resolve(import.meta.dirname, "../..");
const CREDS = {
  accessKeyId: "ASIAEXAMPLEEXAMPLE01",
  secretAccessKey: "secret".repeat(7),
  sessionToken: "session",
};
const b64json = (s: string) => JSON.parse(Buffer.from(s, "base64").toString("utf8"));

/** A service stand-in: answers logins with fresh tokens valid `lifeMs`, and GETs per `read`. */
function fakeService(lifeMs: number, read: (token: string) => number = () => 200) {
  const logins: Array<Record<string, string>> = [];
  const reads: string[] = [];
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    if (url.endsWith("/v1/auth/aws")) {
      logins.push(JSON.parse(String(init?.body)));
      const token = `sst_${String(logins.length).padStart(43, "0")}`;
      const body = { data: { token, expiresAt: new Date(Date.now() + lifeMs).toISOString() } };
      return new Response(JSON.stringify(body), { status: 200 });
    }
    const token = String(new Headers(init?.headers).get("authorization")).replace("Bearer ", "");
    reads.push(token);
    const status = read(token);
    const body = status === 200 ? { data: { tokenId: "t" } } : { errors: [{ key: "", message: "no" }] };
    return new Response(JSON.stringify(body), { status });
  }) as typeof fetch;
  return { fetch: fakeFetch, logins, reads };
}

const clientWith = (service: ReturnType<typeof fakeService>, env: Record<string, string> = {}) =>
  new SecretsClient({
    baseUrl: "https://secrets.example.com",
    env: {},
    fetch: service.fetch,
    auth: awsIam({ serverId: "prod-1", credentials: CREDS, env }),
  });

describe("awsIam() in the SDK", () => {
  afterEach(() => vi.useRealTimers());

  it("signs GetCallerIdentity for the region's STS with the server id signed, and needs no token", async () => {
    const service = fakeService(900_000);
    await clientWith(service, { AWS_REGION: "eu-west-1" }).whoami();
    const [login] = service.logins;
    expect(Buffer.from(String(login?.iamRequestUrl), "base64").toString()).toBe(
      "https://sts.eu-west-1.amazonaws.com/",
    );
    expect(Buffer.from(String(login?.iamRequestBody), "base64").toString()).toBe(
      "Action=GetCallerIdentity&Version=2011-06-15",
    );
    const headers = b64json(String(login?.iamRequestHeaders));
    expect(headers.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(headers["x-scoped-secrets-server-id"]).toBe("prod-1");
    expect(headers["x-amz-security-token"]).toBe("session");
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE01\/\d{8}\/eu-west-1\/sts\/aws4_request, SignedHeaders=[^,]*host[^,]*x-scoped-secrets-server-id/,
    );
    expect(service.reads).toEqual(["sst_0000000000000000000000000000000000000000001"]);
  });

  it("reuses its token, renews it before it expires (one login for concurrent calls), and re-logs in after a 401", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    let refused = "";
    const service = fakeService(900_000, (t) => (t === refused ? 401 : 200));
    const client = clientWith(service);
    await Promise.all([client.whoami(), client.whoami(), client.whoami()]);
    expect(service.logins).toHaveLength(1);
    vi.setSystemTime(new Date("2030-01-01T00:11:00Z")); // 4 of 15 minutes left: still before renewal
    await client.whoami();
    expect(service.logins).toHaveLength(1);
    vi.setSystemTime(new Date("2030-01-01T00:12:30Z")); // under a fifth of its life left: renew
    await client.whoami();
    await vi.waitFor(() => expect(service.logins).toHaveLength(2));
    await client.whoami();
    expect(new Set(service.reads).size).toBe(2);
    // The service refuses the current token (revoked): log in again once and retry.
    refused = service.reads.at(-1) ?? "";
    await client.whoami();
    expect(service.logins).toHaveLength(3);
    expect(service.reads.at(-1)).not.toBe(refused);
  });

  it("never serves an expired token: past expiry it waits for the new login", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const service = fakeService(60_000);
    const client = clientWith(service);
    await client.whoami();
    vi.setSystemTime(new Date("2030-01-01T00:01:01Z"));
    await client.whoami();
    expect(service.logins).toHaveLength(2);
    expect(service.reads[1]).toBe("sst_0000000000000000000000000000000000000000002");
  });

  it("retries a read whose login met an unavailable STS (503), like any unreachable service", async () => {
    const service = fakeService(900_000);
    let failures = 1;
    const flaky = (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).endsWith("/v1/auth/aws") && failures-- > 0)
        return new Response(JSON.stringify({ errors: [{ key: "", message: "STS is unavailable" }] }), {
          status: 503,
        });
      return service.fetch(input, init);
    }) as typeof fetch;
    const client = new SecretsClient({
      baseUrl: "https://secrets.example.com",
      env: {},
      fetch: flaky,
      retryBaseMs: 1,
      auth: awsIam({ serverId: "prod-1", credentials: CREDS, env: {} }),
    });
    expect(await client.whoami()).toEqual({ tokenId: "t" });
    expect(service.logins).toHaveLength(1);
  });

  it("fails clearly without a server id, before anything is sent", async () => {
    const service = fakeService(900_000);
    const client = new SecretsClient({
      baseUrl: "https://secrets.example.com",
      env: {},
      fetch: service.fetch,
      auth: awsIam({ credentials: CREDS, env: {} }),
    });
    const error = await client.whoami().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect((error as Error).message).toMatch(/SCOPED_SECRETS_SERVER_ID/);
    expect(service.logins).toHaveLength(0);
  });
});

describe("redirects are never followed (the body is a signed login, a token or a value)", () => {
  const redirecting = (status: number, seen: RequestInit[]) =>
    (async (_input: string | URL | Request, init?: RequestInit) => {
      seen.push(init ?? {});
      return new Response(null, { status, headers: { location: "http://elsewhere.example/v1/auth/aws" } });
    }) as typeof fetch;

  it("a login answered with a redirect fails, naming it, and goes nowhere else", async () => {
    const seen: RequestInit[] = [];
    const client = new SecretsClient({
      baseUrl: "https://secrets.example.com",
      env: {},
      fetch: redirecting(307, seen),
      auth: awsIam({ serverId: "prod-1", credentials: CREDS, env: {} }),
    });
    await expect(client.whoami()).rejects.toThrow(
      /redirect \(307 to http:\/\/elsewhere\.example.*not followed/,
    );
    expect(seen.map((i) => i.redirect)).toEqual(["manual"]);
  });

  it("an API call answered with a redirect fails the same way, token or not", async () => {
    const seen: RequestInit[] = [];
    const client = new SecretsClient({
      baseUrl: "https://secrets.example.com",
      env: {},
      token: "sst_x",
      retries: 0,
      fetch: redirecting(308, seen),
    });
    await expect(client.set({ name: "A", value: "v", environmentId: "e" })).rejects.toMatchObject({
      status: 308,
      code: "unexpected_response",
    });
    expect(seen.map((i) => i.redirect)).toEqual(["manual"]);
  });
});

describe("--aws-iam on the CLI, against the local server and moto's STS", () => {
  let moto: MotoSts;
  let server: LocalServer;
  let dataDir: string;
  let env: Record<string, string | undefined>;
  const dir = mkdtempSync(join(tmpdir(), "ss-awsiam-cli-"));

  beforeAll(async () => {
    moto = await startMotoSts();
    dataDir = mkdtempSync(join(tmpdir(), "ss-awsiam-data-"));
    server = await startLocalServer({
      port: 0,
      host: "127.0.0.1",
      dataDir,
      stsEndpoint: moto.url,
      log: () => undefined,
      say: () => undefined,
    });
    const admin = { url: server.url, adminToken: server.firstAdminToken ?? "" };
    expect((await cli(admin, ["env", "create", "agents", "--id", "ag_env"])).code).toBe(0);
    expect((await cli(admin, ["set", "SLACK_TOKEN", "-e", "ag_env"], { stdin: "xoxb-cli" })).code).toBe(0);
    const role = "arn:aws:iam::444455556666:role/cli-agent";
    const res = await fetch(`${server.url}/v1/aws-identities`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "cli", principalArn: role, role: "agent", environmentId: "ag_env" }),
    });
    expect(res.status).toBe(201);
    const c = await moto.assumeRole(role, "cli-session");
    env = {
      PATH: process.env.PATH,
      SCOPED_SECRETS_URL: server.url,
      SCOPED_SECRETS_TOKEN: undefined,
      // The local server's id, read by the CLI from DATA_DIR/server-id (loopback only).
      DATA_DIR: dataDir,
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
      AWS_SESSION_TOKEN: c.sessionToken,
      AWS_ENDPOINT_URL_STS: moto.url,
    };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await moto?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[], extra: Record<string, string | undefined> = {}) =>
    cli({ url: server.url, adminToken: "" }, args, { env: { ...env, ...extra }, token: "" });

  it("scoped-secrets get --aws-iam, as a real process with only AWS credentials", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, "bin/scoped-secrets.js"), "get", "SLACK_TOKEN", "-e", "ag_env", "--aws-iam"],
      { cwd: root, env: env as NodeJS.ProcessEnv, timeout: 30_000 },
    );
    expect(stdout).toBe("xoxb-cli");
  });

  it("ls, export, exec and listen take --aws-iam", async () => {
    const ls = await run(["ls", "-e", "ag_env", "--aws-iam", "--reveal", "--json"]);
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.out)[0]).toMatchObject({ name: "SLACK_TOKEN", value: "xoxb-cli" });
    const exported = await run(["export", "-e", "ag_env", "--aws-iam"]);
    expect(exported.out).toContain("SLACK_TOKEN=");
    const exec = await run([
      "exec",
      "-e",
      "ag_env",
      "--aws-iam",
      "--",
      process.execPath,
      "-e",
      "process.exit(process.env.SLACK_TOKEN === 'xoxb-cli' ? 0 : 9)",
    ]);
    expect(exec.code).toBe(0);
    const module = join(dir, "listener.mjs");
    writeFileSync(
      module,
      `export default (l) => l.on("**", async (e) => { if ((await e.secrets("SLACK_TOKEN")) !== "xoxb-cli") throw new Error("wrong"); });`,
    );
    const listen = await run(["listen", module, "-e", "ag_env", "--aws-iam"]);
    expect(listen.err).toMatch(/ok/);
    expect(listen.code).toBe(0);
    // SCOPED_SECRETS_AUTH=aws-iam is --aws-iam on every command; a wrong value is a usage error.
    const byEnv = await run(["get", "SLACK_TOKEN", "-e", "ag_env"], { SCOPED_SECRETS_AUTH: "aws-iam" });
    expect([byEnv.code, byEnv.out]).toEqual([0, "xoxb-cli"]);
    const typo = await run(["get", "SLACK_TOKEN", "-e", "ag_env"], { SCOPED_SECRETS_AUTH: "iam" });
    expect(typo.code).toBe(EXIT.usage);
    expect(typo.err).toMatch(/SCOPED_SECRETS_AUTH must be/);
  });

  it("a Listener's default client logs in with SCOPED_SECRETS_AUTH=aws-iam: no code, no token", async () => {
    const script = join(dir, "agent.mts");
    writeFileSync(
      script,
      [
        `import { Listener } from ${JSON.stringify(join(root, "client/index.ts"))};`,
        "const listener = new Listener();",
        'listener.on("**", async (event) => process.stdout.write(await event.secrets("SLACK_TOKEN")));',
        'await listener.dispatchEvent({ topic: "job:ready", context: { environmentId: "ag_env" } });',
      ].join("\n"),
    );
    const agentEnv = {
      ...env,
      DATA_DIR: undefined,
      SCOPED_SECRETS_AUTH: "aws-iam",
      SCOPED_SECRETS_SERVER_ID: readFileSync(join(dataDir, "server-id"), "utf8").trim(),
    };
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
      cwd: root,
      env: agentEnv as NodeJS.ProcessEnv,
      timeout: 30_000,
    });
    expect(stdout).toBe("xoxb-cli");
    // A typo is a clear error, not a silent fall back to no token.
    expect(
      () => new SecretsClient({ env: { SCOPED_SECRETS_URL: server.url, SCOPED_SECRETS_AUTH: "iam" } }),
    ).toThrow(/SCOPED_SECRETS_AUTH must be "aws-iam" or "token"/);
  });

  it("aws-identity add, ls and rm manage bindings (admin)", async () => {
    const admin = (args: string[]) =>
      cli({ url: server.url, adminToken: server.firstAdminToken ?? "" }, args, { env: { DATA_DIR: dir } });
    const role = "arn:aws:iam::444455556666:role/ops/cli-operator";
    const added = await admin([
      "aws-identity",
      "add",
      role,
      "--name",
      "ops",
      "--role",
      "operator",
      "-e",
      "ag_env",
      "--ttl",
      "300",
    ]);
    expect(added).toMatchObject({ code: 0 });
    expect(added.out).toMatch(
      /^Bound arn:aws:iam::444455556666:role\/cli-operator as operator in environment ag_env \(awsid_/,
    );
    const listed = JSON.parse((await admin(["--json", "aws-identity", "ls"])).out);
    const mine = listed.find((b: { principalArn: string }) => b.principalArn === role);
    expect(mine).toMatchObject({ role: "operator", tokenTtlSeconds: 300, environmentId: "ag_env" });
    const bad = await admin([
      "aws-identity",
      "add",
      "arn:aws:iam::1:role/x",
      "--name",
      "bad",
      "-e",
      "ag_env",
    ]);
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.err).toMatch(/principalArn must be an IAM role ARN/);
    expect((await admin(["aws-identity", "rm", mine.id])).code).toBe(0);
    expect((await admin(["aws-identity", "rm", mine.id])).code).toBe(EXIT.notFound);
  });

  it("without a token, --aws-iam is what works; without a server id it says what to set", async () => {
    expect((await run(["get", "SLACK_TOKEN", "-e", "ag_env"], { DATA_DIR: dir })).code).toBe(EXIT.auth);
    const noId = await run(["get", "SLACK_TOKEN", "-e", "ag_env", "--aws-iam"], { DATA_DIR: dir });
    expect(noId.code).toBe(EXIT.auth);
    expect(noId.err).toMatch(/server-id/);
    const remote = await run([
      "get",
      "SLACK_TOKEN",
      "-e",
      "ag_env",
      "--aws-iam",
      "--url",
      "https://secrets.example.com",
    ]);
    expect(remote.code).toBe(EXIT.auth);
    expect(remote.err).toMatch(/SCOPED_SECRETS_SERVER_ID/);
    const wrong = await run(["get", "SLACK_TOKEN", "-e", "ag_env", "--aws-iam"], {
      SCOPED_SECRETS_SERVER_ID: "other",
    });
    expect(wrong.code).toBe(EXIT.auth);
    expect(wrong.err).toMatch(/Server-ID/);
  });
});
