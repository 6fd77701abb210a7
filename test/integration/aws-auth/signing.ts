import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data) =>
  typeof d === "string"
    ? Buffer.from(d)
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);

class Sha256 {
  private h;
  constructor(secret?: Data) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(d: Data) {
    this.h.update(bytes(d));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

export interface SignOptions {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** The STS origin to sign for (http://127.0.0.1:port for moto). */
  stsUrl: string;
  serverId?: string | undefined;
  /** Send X-Scoped-Secrets-Server-ID without signing it. */
  serverIdUnsigned?: boolean;
  body?: string;
  /** iamRequestUrl to send (default stsUrl); null leaves it out. */
  requestUrl?: string | null;
  /** Overwrite headers after signing. */
  after?: (headers: Record<string, string>) => void;
  ttlSeconds?: number;
  signingDate?: Date;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A POST /v1/auth/aws body, signed as a client would (or deliberately not quite). */
export async function signedLoginBody(o: SignOptions): Promise<Record<string, unknown>> {
  const url = new URL(o.stsUrl);
  const body = o.body ?? "Action=GetCallerIdentity&Version=2011-06-15";
  const headers: Record<string, string> = {
    host: url.host,
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
  };
  if (o.serverId !== undefined) headers["x-scoped-secrets-server-id"] = o.serverId;
  const signer = new SignatureV4({
    credentials: o.credentials,
    region: "us-east-1",
    service: "sts",
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: "/",
      query: {},
      headers,
      body,
    },
    {
      ...(o.serverIdUnsigned ? { unsignableHeaders: new Set(["x-scoped-secrets-server-id"]) } : {}),
      ...(o.signingDate ? { signingDate: o.signingDate } : {}),
    },
  );
  const out = { ...signed.headers };
  o.after?.(out);
  return {
    iamHttpRequestMethod: "POST",
    ...(o.requestUrl === null ? {} : { iamRequestUrl: b64(o.requestUrl ?? `${url.origin}/`) }),
    iamRequestHeaders: b64(JSON.stringify(out)),
    iamRequestBody: b64(body),
    ...(o.ttlSeconds ? { ttlSeconds: o.ttlSeconds } : {}),
  };
}
