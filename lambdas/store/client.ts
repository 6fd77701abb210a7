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

// require, not a static import: the ESM facade of node:http reads every export, and its WebSocket
// getters load undici (~10 ms of a Lambda cold start).
const require = createRequire(import.meta.url);
const http = require("node:http") as typeof import("node:http");
const https = require("node:https") as typeof import("node:https");

/**
 * One client per process, with keep-alive sockets: a new TLS/TCP handshake per request would dominate
 * the agent hot path.
 */
export function createDynamoClients(
  config: DynamoDBClientConfig & { endpoint?: string } = {},
): DynamoClients {
  const local = typeof config.endpoint === "string" && config.endpoint.startsWith("http://");
  const raw = new DynamoDBClient({
    ...config,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
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
