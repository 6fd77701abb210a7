import { createRequire } from "node:module";
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { LeanDocClient } from "./lean-dynamo.ts";

export interface DynamoClients {
  raw: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** The document client's `send` without the SDK's middleware stack (LeanDynamo): what the store uses. */
  lean: LeanDocClient;
}

/** An endpoint of the embedded engine on a unix socket (or Windows named pipe): `unix:<path>`. */
export const UNIX_ENDPOINT_PREFIX = "unix:";

// require, not a static import: the ESM facade of node:http reads every export, and its WebSocket
// getters load undici (~10 ms of a Lambda cold start).
const require = createRequire(import.meta.url);
const http = require("node:http") as typeof import("node:http");
const https = require("node:https") as typeof import("node:https");

/**
 * One client per process, with keep-alive sockets: a new TLS/TCP handshake per request would dominate
 * the agent hot path. `socketPath` (or an endpoint `unix:<path>`) speaks HTTP over a unix socket, which is
 * how the local server reaches its embedded engine without a TCP port anyone on the machine could use.
 */
export function createDynamoClients(
  config: DynamoDBClientConfig & { endpoint?: string; socketPath?: string } = {},
): DynamoClients {
  const { socketPath: given, ...rest } = config;
  const socketPath =
    given ??
    (typeof rest.endpoint === "string" && rest.endpoint.startsWith(UNIX_ENDPOINT_PREFIX)
      ? rest.endpoint.slice(UNIX_ENDPOINT_PREFIX.length)
      : undefined);
  // The host name is only the request's Host header: the agent connects to the socket.
  if (socketPath !== undefined) rest.endpoint = "http://localhost";
  const local = typeof rest.endpoint === "string" && rest.endpoint.startsWith("http://");
  const raw = new DynamoDBClient({
    ...rest,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64, ...(socketPath ? { socketPath } : {}) }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
      connectionTimeout: 2000,
      requestTimeout: 5000,
    }),
    ...(local
      ? { credentials: { accessKeyId: "local", secretAccessKey: "local" }, region: config.region ?? "local" }
      : {}),
  });
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { raw, doc, lean: new LeanDocClient(doc, raw) };
}
