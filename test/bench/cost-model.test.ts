import { describe, expect, it } from "vitest";
import { ACCESS_LOG_FORMAT } from "../../infra/log-settings.ts";
import {
  ACCESS_LOG_JSON_SAMPLE,
  ACCESS_LOG_SAMPLE,
  type CostInputs,
  costFloor,
  costModel,
  DEFAULT_SCENARIO,
  MEMORY_OPTIONS,
  PRICES,
  STACK,
} from "./cost.ts";

/** Inputs of the shape a run measures (round 2's figures: ~0.7 ms of compute per warm read). */
const INPUTS: CostInputs = {
  keysPerRead: 2,
  dynamoCallsPerRead: 1,
  apiWarmMs: 1.16,
  authorizerWarmMs: 0.84,
  localDynamoMs: 0.46,
  apiLogBytes: 0,
  apiLogEvents: 0,
  authorizerLogBytes: 219,
  apiColdImportMs: 60,
};

/** The cost model is arithmetic over measured inputs: checked here on fixed inputs, in milliseconds. */
describe("cost model", () => {
  const model = costModel(INPUTS, DEFAULT_SCENARIO);
  const line = (item: string) => model.lines.find((l) => l.item === item);

  it("keeps the issue's floor: API request, Lambda request, 1 ms at the reader's memory, one 2-item read", () => {
    expect(model.floor.total).toBeCloseTo(
      1 + 0.2 + (0.001 * STACK.apiMemoryMb * PRICES.lambdaGbSecond * 1e6) / 1024 + 0.125,
      4,
    );
    expect(model.floor.lines.map((l) => l.item)).toEqual([
      "API Gateway HTTP API",
      "Lambda request",
      "Lambda minimum duration",
      "DynamoDB read",
    ]);
    const exact = model.lines.reduce((a, l) => a + l.perMillion, 0);
    expect(model.floor.ratio).toBeCloseTo(exact / model.floor.total, 3);
    expect(model.floor.withinFivePercent).toBe(exact <= model.floor.total * 1.05);
    // The DynamoDB wait is only ever an extra view beside the floor, never part of it.
    expect(model.floor.withDynamoWait.total).toBeGreaterThan(model.floor.total);
    expect(model.floor.withDynamoWait.ratio).toBeLessThan(model.floor.ratio);
  });

  it("bills compute × CPU share + the DynamoDB wait, rounded up to the millisecond", () => {
    // (1.16 − 0.46) × 1769/512 = 2.42 ms + 4 ms → 7 ms.
    expect(line("Lambda duration (api)")?.basis).toMatch(/^7 ms billed at 512 MB/);
    expect(line("Lambda duration (api)")?.perMillion).toBeCloseTo(7 * 0.5 * PRICES.lambdaGbSecond * 1e3, 4);
  });

  it("sizes the access log from the stack's own line, and the JSON alternative costs more", () => {
    const bytes = Buffer.byteLength(ACCESS_LOG_SAMPLE);
    // The stack's format with a warm read's values in it (test/infra/access-log.test.ts checks it is the same).
    expect(ACCESS_LOG_FORMAT.startsWith("$context.requestId ")).toBe(true);
    expect(ACCESS_LOG_SAMPLE).toMatch(/^\S+ \S+ "GET \/v1\/secrets" 200 \d+ tok_\w+ "-" "-" "-"$/);
    expect(bytes).toBeLessThan(110);
    expect(line("CloudWatch Logs: API access log")?.perMillion).toBeCloseTo(
      (bytes + 26) * 1e-3 * PRICES.logsInfrequentAccessGb,
      4,
    );
    expect(Buffer.byteLength(ACCESS_LOG_JSON_SAMPLE)).toBeGreaterThan(bytes + 40);
    const json = model.variants.find((v) => v.name.includes("JSON"));
    expect(json?.total).toBeGreaterThan(model.total);
  });

  it("compares memory sizes: less memory bills less for the wait but computes slower", () => {
    expect(model.memory.map((m) => m.memoryMb)).toEqual([...MEMORY_OPTIONS]);
    expect(model.memory.filter((m) => m.deployed).map((m) => m.memoryMb)).toEqual([STACK.apiMemoryMb]);
    const deployed = model.memory.find((m) => m.deployed);
    expect(deployed?.total).toBeCloseTo(
      model.lines.reduce((a, l) => a + l.perMillion, 0),
      4,
    );
    expect(deployed?.ratio).toBe(model.floor.ratio);
    for (let i = 1; i < model.memory.length; i++) {
      const [smaller, larger] = [model.memory[i - 1], model.memory[i]];
      expect(larger?.billedMs).toBeLessThanOrEqual(smaller?.billedMs ?? 0);
      expect(larger?.computeMs).toBeLessThan(smaller?.computeMs ?? 0);
      expect(larger?.coldImportMs).toBeLessThan(smaller?.coldImportMs ?? 0);
    }
    // The floor moves with the memory size: 1 ms at 128 MB is a quarter of 1 ms at 512 MB.
    const min = (mb: number) => costFloor(mb).find((l) => l.item === "Lambda minimum duration")?.perMillion;
    expect(min(128)).toBeCloseTo((min(512) ?? 0) / 4, 4);
  });
});
