import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsIdentityBinding } from "../../../lambdas/core/aws-auth-ports.ts";
import { AwsIdentityRepository } from "../../../lambdas/store/aws-identity-repository.ts";
import { type Engine, hasJava, startDynalite, startDynamoDbLocal } from "../../support/engines.ts";

const binding = (n: number, extra: Partial<AwsIdentityBinding> = {}): AwsIdentityBinding => ({
  id: `awsid_${String(n).padStart(4, "0")}`,
  name: `b${n}`,
  principalArn: `arn:aws:iam::123456789012:role/path/r${n}`,
  canonicalArn: `arn:aws:iam::123456789012:role/r${n}`,
  role: "agent",
  environmentId: "env",
  environmentCreatedAt: "2030-01-01T00:00:00.000Z",
  tokenTtlSeconds: 900,
  createdAt: "2030-01-01T00:00:00.000Z",
  createdBy: "tok_admin",
  ...extra,
});

const engines: Array<[string, () => Promise<Engine>]> = [["dynalite", startDynalite]];
if (hasJava()) engines.push(["DynamoDB Local", startDynamoDbLocal]);

for (const [name, start] of engines) {
  describe(`AWS identity bindings on ${name}`, () => {
    let engine: Engine;
    let repo: AwsIdentityRepository;
    beforeAll(async () => {
      engine = await start();
      repo = new AwsIdentityRepository(engine.clients.doc, engine.table);
    }, 60_000);
    afterAll(() => engine?.stop());

    it("stores one binding per role, found by canonical ARN, listed in pages, deleted by id", async () => {
      for (let n = 1; n <= 5; n++) await repo.putAwsIdentity(binding(n, n === 2 ? { spaceId: "sp" } : {}));
      await expect(repo.putAwsIdentity(binding(1, { id: "awsid_other" }))).rejects.toMatchObject({
        code: "conflict",
      });
      expect(await repo.getAwsIdentityByArn("arn:aws:iam::123456789012:role/r2")).toEqual(
        binding(2, { spaceId: "sp" }),
      );
      expect(await repo.getAwsIdentityByArn("arn:aws:iam::123456789012:role/path/r2")).toBeUndefined();
      const first = await repo.listAwsIdentities({ limit: 3 });
      expect(first.items.map((b) => b.id)).toEqual(["awsid_0001", "awsid_0002", "awsid_0003"]);
      const rest = await repo.listAwsIdentities({ cursor: first.cursor, limit: 3 });
      expect(rest.items.map((b) => b.id)).toEqual(["awsid_0004", "awsid_0005"]);
      expect(await repo.deleteAwsIdentity("awsid_0003")).toEqual(binding(3));
      await expect(repo.deleteAwsIdentity("awsid_0003")).rejects.toMatchObject({ code: "not_found" });
      // A token's id is not a binding's: nothing else is ever deleted through this route.
      await expect(repo.deleteAwsIdentity("tok_admin")).rejects.toMatchObject({ code: "not_found" });
      expect(await repo.getAwsIdentityByArn("arn:aws:iam::123456789012:role/r3")).toBeUndefined();
    });
  });
}
