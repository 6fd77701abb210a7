import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BatchGetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../lambdas/core/errors.ts";
import { createDynamoClients, type DynamoClients } from "../../lambdas/store/client.ts";
import { isConditionFailed, translateDynamoError } from "../../lambdas/store/errors.ts";

interface Seen {
  headers: IncomingMessage["headers"];
  body: unknown;
}

/**
 * LeanDynamo against a scripted DynamoDB endpoint on loopback: what goes on the wire (one signed JSON
 * request per attempt), how DynamoDB's errors come out (shaped like the SDK's, so the store's error
 * handling is unchanged), which are retried, and the document client's marshalling.
 */
describe("LeanDynamo: DynamoDB calls without the SDK middleware stack", () => {
  let server: Server;
  let clients: DynamoClients;
  const seen: Seen[] = [];
  let answers: Array<{ status: number; body: unknown }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = "";
      req.on("data", (d) => {
        text += d;
      });
      req.on("end", () => {
        seen.push({ headers: req.headers, body: JSON.parse(text) });
        const answer = answers.shift() ?? { status: 200, body: {} };
        res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as AddressInfo;
    clients = createDynamoClients({
      endpoint: `http://127.0.0.1:${port}`,
      region: "local",
    });
  });
  afterAll(async () => {
    clients.raw.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen.length = 0;
    answers = [];
  });

  it("sends one SigV4-signed JSON request and returns the document client's output", async () => {
    answers = [
      {
        status: 200,
        body: {
          Responses: {
            t: [{ pk: { S: "A" }, sk: { S: "B" }, version: { N: "3" }, envelope: { M: { iv: { S: "x" } } } }],
          },
          UnprocessedKeys: {},
        },
      },
    ];
    const out = await clients.lean.send(
      new BatchGetCommand({ RequestItems: { t: { Keys: [{ pk: "A", sk: "B" }], ConsistentRead: true } } }),
    );
    expect(out.Responses?.t).toEqual([{ pk: "A", sk: "B", version: 3, envelope: { iv: "x" } }]);
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req?.body).toEqual({
      RequestItems: { t: { Keys: [{ pk: { S: "A" }, sk: { S: "B" } }], ConsistentRead: true } },
    });
    expect(req?.headers["x-amz-target"]).toBe("DynamoDB_20120810.BatchGetItem");
    expect(req?.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(req?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/local\/dynamodb\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(req?.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it("drops undefined attributes as the document client is configured to", async () => {
    await clients.lean.send(new PutCommand({ TableName: "t", Item: { pk: "A", sk: "B", gone: undefined } }));
    expect(seen[0]?.body).toEqual({ TableName: "t", Item: { pk: { S: "A" }, sk: { S: "B" } } });
  });

  it("a failed condition comes out as the SDK's ConditionalCheckFailedException, not retried", async () => {
    answers = [
      {
        status: 400,
        body: {
          __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
          message: "The conditional request failed",
        },
      },
    ];
    const error = await clients.lean
      .send(new PutCommand({ TableName: "t", Item: { pk: "A", sk: "B" }, ConditionExpression: "x" }))
      .catch((e: unknown) => e);
    expect(isConditionFailed(error)).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it("throttling and 5xx are retried with backoff; what survives three attempts is a 503-style AppError", async () => {
    const throttled = {
      status: 400,
      body: {
        __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        message: "slow down",
      },
    };
    answers = [throttled, { status: 500, body: {} }, { status: 200, body: { Item: { pk: { S: "A" } } } }];
    await clients.lean.send(new PutCommand({ TableName: "t", Item: { pk: "A", sk: "B" } }));
    expect(seen).toHaveLength(3);

    seen.length = 0;
    answers = [throttled, throttled, throttled, throttled];
    const error = await clients.lean
      .send(new PutCommand({ TableName: "t", Item: { pk: "A", sk: "B" } }))
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(3);
    const app = translateDynamoError(error, "t");
    expect(app).toBeInstanceOf(AppError);
    expect(app.code).toBe("unavailable");
  });

  it("a validation error is a client fault, not retried, and never echoes into an AppError message", async () => {
    answers = [
      {
        status: 400,
        body: { __type: "com.amazon.coral.validate#ValidationException", message: "canary-aws-detail" },
      },
    ];
    const error = await clients.lean
      .send(new PutCommand({ TableName: "t", Item: { pk: "A", sk: "B" } }))
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect((error as Error).name).toBe("ValidationException");
    expect(translateDynamoError(error, "t").message).not.toContain("canary");
  });
});
