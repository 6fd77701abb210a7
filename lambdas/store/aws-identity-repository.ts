import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { AwsIdentityBinding, AwsIdentityStore } from "../core/aws-auth-ports.ts";
import { conflict, notFound } from "../core/errors.ts";
import type { PageRequest } from "../core/ports.ts";
import type { Page } from "../core/types.ts";
import { isConditionFailed } from "./errors.ts";
import { AWS_IDENTITY_PREFIX, awsIdentityPk, META } from "./keys.ts";
import { RepositoryBase, stripKeys } from "./repository-base.ts";

const LIST_KIND = "awsid";
const toBinding = (item: Record<string, unknown>): AwsIdentityBinding => stripKeys<AwsIdentityBinding>(item);

/** AWS identity bindings: one item per IAM role, found by canonical ARN at login and by id for DELETE. */
export class AwsIdentityRepository extends RepositoryBase implements AwsIdentityStore {
  async putAwsIdentity(binding: AwsIdentityBinding): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: awsIdentityPk(binding.canonicalArn),
            sk: META,
            kind: LIST_KIND,
            listKind: LIST_KIND,
            ...binding,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (e) {
      if (isConditionFailed(e))
        throw conflict(
          "principalArn",
          `role ${binding.canonicalArn} is already bound; delete its binding first (GET /v1/aws-identities)`,
        );
      throw this.translate(e);
    }
  }

  async getAwsIdentityByArn(canonicalArn: string): Promise<AwsIdentityBinding | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: awsIdentityPk(canonicalArn), sk: META },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toBinding(out.Item) : undefined;
  }

  async listAwsIdentities(page: PageRequest): Promise<Page<AwsIdentityBinding>> {
    return this.pageByKind(LIST_KIND, page, toBinding);
  }

  async deleteAwsIdentity(id: string): Promise<AwsIdentityBinding> {
    const missing = () => notFound("awsIdentityId", `AWS identity binding ${id} not found`);
    const key = await this.keyById(id, { pk: AWS_IDENTITY_PREFIX });
    if (!key) throw missing();
    try {
      const out = await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: key,
          ConditionExpression: "attribute_exists(pk) AND id = :id",
          ExpressionAttributeValues: { ":id": id },
          ReturnValues: "ALL_OLD",
        }),
      );
      return toBinding(out.Attributes ?? {});
    } catch (e) {
      if (isConditionFailed(e)) throw missing();
      throw this.translate(e);
    }
  }
}
