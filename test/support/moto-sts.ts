import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { freePort } from "./engines.ts";

/** moto's STS on loopback (python3 -m moto.server): AssumeRole credentials map to assumed-role ARNs. No signature checks. */
export interface MotoSts {
  url: string;
  /** Temporary credentials for `roleArn`, as AssumeRole hands them out. */
  assumeRole(
    roleArn: string,
    sessionName: string,
  ): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }>;
  stop(): Promise<void>;
}

export async function startMotoSts(): Promise<MotoSts> {
  const port = await freePort();
  const child: ChildProcess = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  const sts = (body: string) => motoStsCall(url, body);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await sts("Action=GetCallerIdentity&Version=2011-06-15")).ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`moto exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error("moto did not start within 30 s");
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    assumeRole: (roleArn, sessionName) => assumeRoleAt(url, roleArn, sessionName),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** One STS query-protocol call to moto at `url` (it routes by the credential scope's service, checks no signature). */
function motoStsCall(url: string, body: string): Promise<Response> {
  return fetch(`${url}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=${"0".repeat(64)}`,
    },
    body,
  });
}

/** Temporary credentials for `roleArn` from the moto server at `url` (the cloud path's moto too). */
export async function assumeRoleAt(
  url: string,
  roleArn: string,
  sessionName: string,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const res = await motoStsCall(
    url,
    `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(roleArn)}&RoleSessionName=${sessionName}`,
  );
  const xml = await res.text();
  const get = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? "";
  return {
    accessKeyId: get("AccessKeyId"),
    secretAccessKey: get("SecretAccessKey"),
    sessionToken: get("SessionToken"),
  };
}

/** An HTTP server that records every request it gets and answers with `status` (a decoy, or a refusing STS). */
export interface RecordingServer {
  url: string;
  host: string;
  requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"] }>;
  stop(): Promise<void>;
}

export async function startRecordingServer(status = 200, body = ""): Promise<RecordingServer> {
  const requests: RecordingServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    req.resume();
    req.on("end", () => res.writeHead(status, { "content-type": "text/xml" }).end(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
