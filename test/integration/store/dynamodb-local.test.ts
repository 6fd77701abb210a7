import { describe, it } from "vitest";
import { hasJava, startDynamoDbLocal } from "../../support/engines.ts";
import { storeContract } from "./store-contract.ts";

if (hasJava()) {
  storeContract("DynamoDB Local", startDynamoDbLocal);
} else {
  describe("store contract on DynamoDB Local", () => {
    it("needs Java 17: run `npm test` (scripts/test.mjs installs openjdk-17-jre-headless as root) or install it", () => {
      throw new Error("java not found on PATH: DynamoDB Local, the fidelity reference, cannot run");
    });
  });
}
