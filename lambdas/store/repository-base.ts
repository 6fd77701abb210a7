import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { PageRequest } from "../core/ports.ts";
import type { Page } from "../core/types.ts";
import { decodeCursor, encodeCursor, pageLimit } from "./cursor.ts";
import { translateDynamoError } from "./errors.ts";
import { INDEX } from "./keys.ts";
import type { DocSender } from "./lean-dynamo.ts";

/** Shared plumbing for the repositories: the table name and one place that translates SDK errors. */
export abstract class RepositoryBase {
  constructor(
    protected readonly doc: DocSender,
    protected readonly table: string,
  ) {}

  /** Runs one SDK call; every error leaves as an AppError. */
  protected async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.translate(e);
    }
  }

  /** One page of every item of a kind (environments, tokens, AWS identities) in id order, from the byKind index. */
  protected async pageByKind<T extends { id: string }>(
    listKind: string,
    page: PageRequest,
    map: (item: Record<string, unknown>) => T,
  ): Promise<Page<T>> {
    const start = decodeCursor(page.cursor, ["id"]);
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byKind,
          KeyConditionExpression: start ? "listKind = :k AND id > :id" : "listKind = :k",
          ExpressionAttributeValues: start ? { ":k": listKind, ":id": start.id } : { ":k": listKind },
          Limit: pageLimit(page.limit),
        }),
      ),
    );
    const items = (out.Items ?? []).map(map);
    const last = items.at(-1);
    return { items, cursor: out.LastEvaluatedKey && last ? encodeCursor({ id: last.id }) : undefined };
  }

  /**
   * The key of the item with this id (the byId index), among items whose pk or sk starts as `match` says:
   * ids are unique per kind, and the index's projection is keys only, so callers then read or delete by key.
   */
  protected async keyById(
    id: string,
    match: { pk: string } | { sk: string },
  ): Promise<{ pk: string; sk: string } | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byId,
          KeyConditionExpression: "id = :id",
          ExpressionAttributeValues: { ":id": id },
        }),
      ),
    );
    const key = (out.Items ?? []).find((k) =>
      "pk" in match ? String(k.pk).startsWith(match.pk) : String(k.sk).startsWith(match.sk),
    );
    return key ? { pk: String(key.pk), sk: String(key.sk) } : undefined;
  }

  protected translate(e: unknown) {
    return translateDynamoError(e, this.table);
  }
}

/** Drops the table's own attributes so domain objects never carry key shapes. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, kind: _kind, listKind: _lk, ttl: _ttl, ...rest } = item;
  return rest as T;
}
