import { describe, it } from "vitest";
import { hasJava, startDynamoDbLocal } from "../../support/engines.ts";
import { storeContract } from "./store-contract.ts";

// The fidelity reference over LeanDocClient: DynamoDB Local's own error answers reach the store as the SDK's would.
if (hasJava()) {
  storeContract("DynamoDB Local", startDynamoDbLocal, "lean");
} else {
  describe("store contract on DynamoDB Local (lean client)", () => {
    it("needs Java 17 (see dynamodb-local.test.ts)", () => {
      throw new Error("java not found on PATH: DynamoDB Local, the fidelity reference, cannot run");
    });
  });
}
