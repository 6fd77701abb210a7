import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpResponse, RequestHandler, HttpRequest as WireRequest } from "@smithy/types";

type HttpHandler = RequestHandler<WireRequest, HttpResponse>;

/** What the repositories need of a document client: `send` of lib-dynamodb commands. */
export type DocSender = Pick<DynamoDBDocumentClient, "send">;

/** Attribute values on the wire (DynamoDB JSON). */
export type Wire = Record<string, unknown>;

/** Called once per call (not per retry) with the operation name and its wire input; the bench counts calls here. */
export type CallObserver = (operation: string, input: Wire) => void;

/**
 * The few DynamoDB calls the hot paths make, sent without the SDK's middleware stack: the same
 * credentials provider, SigV4 signer and HTTP handler (keep-alive agent) as `raw`, a JSON body,
 * one signature, one request. Profiling showed the stack (endpoint rules, user agent, retry
 * bookkeeping, serde, a logging filter) at about a third of the server's main thread per read.
 *
 * Errors come out shaped like the SDK's (`name` = DynamoDB's error type, `$metadata`), so
 * `isConditionFailed` and `translateDynamoError` treat them alike. Throttling, 5xx and network
 * errors are retried like the SDK's standard mode does (3 attempts, jittered backoff).
 */
export class LeanDynamo {
  private setup: Promise<{ signer: SignatureV4; handler: HttpHandler; url: URL }> | undefined;
  observer: CallObserver | undefined;

  constructor(
    private readonly raw: DynamoDBClient,
    private readonly options: { maxAttempts?: number } = {},
  ) {}

  async send<T = Wire>(operation: string, input: Wire): Promise<T> {
    if (!this.setup) this.setup = this.prepare();
    const { signer, handler, url } = await this.setup;
    const body = JSON.stringify(input);
    const maxAttempts = this.options.maxAttempts ?? 3;
    this.observer?.(operation, input);
    for (let attempt = 1; ; attempt++) {
      try {
        const request = new HttpRequest({
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port ? Number(url.port) : undefined,
          method: "POST",
          path: url.pathname,
          headers: {
            host: url.host,
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": `DynamoDB_20120810.${operation}`,
            "content-length": String(Buffer.byteLength(body)),
          },
          body,
        });
        const signed = await signer.sign(request);
        const { response } = await handler.handle(signed);
        const text = await readBody(response);
        if (response.statusCode === 200) return (text ? JSON.parse(text) : {}) as T;
        throw dynamoError(response.statusCode, text);
      } catch (e) {
        if (attempt >= maxAttempts || !retryable(e)) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(20_000, 100 * 2 ** attempt)));
      }
    }
  }

  private async prepare() {
    const config = this.raw.config as unknown as {
      region: () => Promise<string>;
      endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
      endpointProvider: (p: Record<string, unknown>) => { url: URL };
      useFipsEndpoint: () => Promise<boolean>;
      useDualstackEndpoint: () => Promise<boolean>;
      credentials: SignatureV4["credentialProvider"];
      sha256: ConstructorParameters<typeof SignatureV4>[0]["sha256"];
      requestHandler: HttpHandler;
    };
    const region = await config.region();
    let url: URL;
    if (config.endpoint) {
      const e = await config.endpoint();
      url = new URL(`${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ""}${e.path || "/"}`);
    } else {
      url = new URL(
        config
          .endpointProvider({
            Region: region,
            UseFIPS: await config.useFipsEndpoint(),
            UseDualStack: await config.useDualstackEndpoint(),
            AccountIdEndpointMode: "disabled",
          })
          .url.toString(),
      );
    }
    const signer = new SignatureV4({
      service: "dynamodb",
      region,
      credentials: config.credentials,
      sha256: config.sha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
    return { signer, handler: config.requestHandler, url };
  }
}

function readBody(response: HttpResponse): Promise<string> {
  const stream = response.body as NodeJS.ReadableStream;
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.once("end", () =>
      ok(chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString()),
    );
    stream.once("error", fail);
  });
}

/** An error shaped like the SDK's service exceptions: the type after '#' is the name. */
function dynamoError(status: number, text: string): Error {
  let type = "UnknownError";
  let message = `DynamoDB answered ${status}`;
  try {
    const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    type = parsed.__type?.split("#").at(-1) ?? type;
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // Not JSON (a proxy, a 5xx page): keep the status.
  }
  if (status >= 500 && type === "UnknownError") type = "InternalServerError";
  return Object.assign(new Error(message), {
    name: type,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "TransactionInProgressException",
]);
const NETWORK = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);

function retryable(e: unknown): boolean {
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    RETRYABLE.has(err.name ?? "") ||
    NETWORK.has(err.code ?? "") ||
    (err.$metadata?.httpStatusCode ?? 0) >= 500
  );
}

/** A document-client command as lib-dynamodb builds it: native input, and which parts are attribute values. */
interface DocCommand {
  input: Record<string, unknown>;
  inputKeyNodes: KeyNodes;
  outputKeyNodes: KeyNodes;
  clientCommand: { constructor: { name: string } };
}
type KeyNodes = { [key: string]: KeyNodes | null } | null;

/**
 * `send` for lib-dynamodb commands (GetCommand, BatchGetCommand, PutCommand…) over LeanDynamo: the
 * command's own key nodes say what to marshall and unmarshall, so inputs and outputs are exactly what
 * the document client would give. Anything else goes to the document client.
 */
export class LeanDocClient {
  readonly lean: LeanDynamo;

  constructor(
    readonly doc: DynamoDBDocumentClient,
    raw: DynamoDBClient,
  ) {
    this.lean = new LeanDynamo(raw);
  }

  // biome-ignore lint/suspicious/noExplicitAny: the same loose signature as the document client's send
  send: DynamoDBDocumentClient["send"] = (async (command: any) => {
    const c = command as Partial<DocCommand>;
    const name = c.clientCommand?.constructor.name;
    if (!c.input || !c.inputKeyNodes || !c.outputKeyNodes || !name?.endsWith("Command"))
      return this.doc.send(command);
    const input = transform(c.input, c.inputKeyNodes, toWire) as Wire;
    const output = await this.lean.send(name.slice(0, -"Command".length), input);
    return transform(output, c.outputKeyNodes, fromWire);
  }) as DynamoDBDocumentClient["send"];
}

const toWire = (v: unknown) =>
  marshall(v as Record<string, unknown>, { removeUndefinedValues: true, convertTopLevelContainer: true });
const fromWire = (v: unknown) =>
  unmarshall(v as Parameters<typeof unmarshall>[0], { convertWithoutMapWrapper: true } as never);

/** lib-dynamodb's key-node walk: named keys descend, "*" maps every entry, an empty/null node converts. */
function transform(obj: unknown, nodes: KeyNodes, convert: (v: unknown) => unknown): unknown {
  if (obj === undefined || obj === null) return obj;
  if (nodes === null) return convert(obj);
  const keys = Object.keys(nodes);
  if (keys.length === 0) {
    if (Array.isArray(obj)) return obj.map((v) => convert(v));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>))
      if (v !== undefined) out[k] = convert(v);
    return out;
  }
  if (keys.length === 1 && keys[0] === "*") {
    const child = nodes["*"] as KeyNodes;
    if (Array.isArray(obj)) return obj.map((v) => transform(v, child, convert));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>))
      out[k] = transform(v, child, convert);
    return out;
  }
  const out: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  for (const k of keys) {
    const v = (obj as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = transform(v, nodes[k] as KeyNodes, convert);
  }
  return out;
}
