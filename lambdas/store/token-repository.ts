import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { notFound } from "../core/errors.ts";
import type { PageRequest, TokenStore } from "../core/ports.ts";
import type { Page, Scope, TokenRecord } from "../core/types.ts";
import { isConditionFailed } from "./errors.ts";
import { INDEX, META, TOKEN_PREFIX, tokenPk } from "./keys.ts";
import { RepositoryBase, stripKeys } from "./repository-base.ts";

const toToken = (item: Record<string, unknown>): TokenRecord => {
  const { hash: _hash, ...rest } = stripKeys<TokenRecord & { hash?: string }>(item);
  return rest;
};

/** An expired token is dead; DynamoDB's TTL removes its item a day later (AWS logins mint one per login). */
const EXPIRED_TOKEN_KEPT_S = 86_400;
const purgeAfter = (record: TokenRecord) =>
  record.expiresAt ? { ttl: Math.floor(Date.parse(record.expiresAt) / 1000) + EXPIRED_TOKEN_KEPT_S } : {};

/** Tokens, stored only under the SHA-256 of the token string (DESIGN §4). */
export class TokenRepository extends RepositoryBase implements TokenStore {
  async putToken(record: TokenRecord, hash: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: tokenPk(hash),
            sk: META,
            kind: "token",
            listKind: "token",
            ...record,
            ...purgeAfter(record),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (e) {
      // 256 random bits never collide; a failed condition means the same token was written twice.
      if (isConditionFailed(e)) return;
      throw this.translate(e);
    }
  }

  async getTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: { pk: tokenPk(hash), sk: META }, ConsistentRead: true }),
      ),
    );
    return out.Item ? toToken(out.Item) : undefined;
  }

  async getTokenById(id: string): Promise<TokenRecord | undefined> {
    const key = await this.keyOf(id);
    if (!key) return undefined;
    const out = await this.call(() =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })),
    );
    return out.Item ? toToken(out.Item) : undefined;
  }

  async listTokens(page: PageRequest): Promise<Page<TokenRecord>> {
    return this.pageByKind("token", page, toToken);
  }

  async revokeToken(id: string, revokedAt: string): Promise<TokenRecord> {
    const key = await this.keyOf(id);
    if (!key) throw notFound("tokenId", `token ${id} not found`);
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: "SET revokedAt = if_not_exists(revokedAt, :at)",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":at": revokedAt },
          ReturnValues: "ALL_NEW",
        }),
      );
      return toToken(out.Attributes ?? {});
    } catch (e) {
      if (isConditionFailed(e)) throw notFound("tokenId", `token ${id} not found`);
      throw this.translate(e);
    }
  }

  async revokeTokensOfScope(scope: Scope, revokedAt: string, createdBefore?: string): Promise<number> {
    const older = createdBefore ? " AND createdAt < :before" : "";
    let revoked = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call(() =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INDEX.byKind,
            KeyConditionExpression: "listKind = :k",
            FilterExpression:
              (scope.spaceId
                ? "environmentId = :e AND spaceId = :s AND attribute_not_exists(revokedAt)"
                : "environmentId = :e AND attribute_not_exists(revokedAt)") + older,
            ExpressionAttributeValues: {
              ":k": "token",
              ":e": scope.environmentId,
              ...(scope.spaceId ? { ":s": scope.spaceId } : {}),
              ...(createdBefore ? { ":before": createdBefore } : {}),
            },
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: "SET revokedAt = if_not_exists(revokedAt, :at)",
              ConditionExpression: "attribute_exists(pk)",
              ExpressionAttributeValues: { ":at": revokedAt },
            }),
          );
          revoked++;
        } catch (e) {
          if (!isConditionFailed(e)) throw this.translate(e);
        }
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return revoked;
  }

  async touchToken(hash: string, at: string, notAfter: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: tokenPk(hash), sk: META },
          UpdateExpression: "SET lastUsedAt = :at",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :limit)",
          ExpressionAttributeValues: { ":at": at, ":limit": notAfter },
        }),
      );
    } catch (e) {
      if (!isConditionFailed(e)) throw this.translate(e);
    }
  }

  private keyOf(id: string): Promise<{ pk: string; sk: string } | undefined> {
    return this.keyById(id, { pk: TOKEN_PREFIX });
  }
}
