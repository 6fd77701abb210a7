import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { conflict, notFound } from "../core/errors.ts";
import type { PageRequest, ScopeStore } from "../core/ports.ts";
import type { Environment, Page, Space } from "../core/types.ts";
import { decodeCursor, encodeCursor, pageLimit } from "./cursor.ts";
import { isConditionFailed } from "./errors.ts";
import {
  envPk,
  META,
  SECRET_PREFIX,
  SPACE_LIST_PREFIX,
  scopePk,
  spaceListSk,
  spaceLookupPk,
} from "./keys.ts";
import { KnownScopes } from "./known-scopes.ts";
import type { DocSender } from "./lean-dynamo.ts";
import { RepositoryBase, stripKeys } from "./repository-base.ts";

const toEnvironment = (item: Record<string, unknown>): Environment => {
  const { id, name, createdAt, updatedAt } = stripKeys<Environment>(item);
  return { id, name, createdAt, updatedAt };
};
const toSpace = (item: Record<string, unknown>): Space => {
  const { id, environmentId, name, createdAt, updatedAt } = stripKeys<Space>(item);
  return { id, environmentId, name, createdAt, updatedAt };
};

/** Environments and spaces (DESIGN §4). */
export class ScopeRepository extends RepositoryBase implements ScopeStore {
  constructor(
    doc: DocSender,
    table: string,
    private readonly knownScopes: KnownScopes = new KnownScopes(0),
  ) {
    super(doc, table);
  }

  async createEnvironment(env: Environment): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: envPk(env.id), sk: META, kind: "environment", listKind: "environment", ...env },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (e) {
      if (isConditionFailed(e))
        throw conflict("id", `environment ${env.id} already exists; choose another id`);
      throw this.translate(e);
    }
    await this.purgeScope(scopePk({ environmentId: env.id }), env.createdAt);
  }

  async getEnvironment(id: string): Promise<Environment | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: { pk: envPk(id), sk: META }, ConsistentRead: true }),
      ),
    );
    return out.Item ? toEnvironment(out.Item) : undefined;
  }

  async listEnvironments(page: PageRequest): Promise<Page<Environment>> {
    return this.pageByKind("environment", page, toEnvironment);
  }

  async renameEnvironment(id: string, name: string, updatedAt: string): Promise<Environment> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: envPk(id), sk: META },
          UpdateExpression: "SET #n = :n, updatedAt = :u",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#n": "name" },
          ExpressionAttributeValues: { ":n": name, ":u": updatedAt },
          ReturnValues: "ALL_NEW",
        }),
      );
      return toEnvironment(out.Attributes ?? {});
    } catch (e) {
      if (isConditionFailed(e)) throw environmentNotFound(id);
      throw this.translate(e);
    }
  }

  async deleteEnvironment(id: string): Promise<void> {
    const [spaces, secrets] = await Promise.all([
      this.hasAny(envPk(id), SPACE_LIST_PREFIX),
      this.hasAny(scopePk({ environmentId: id }), SECRET_PREFIX),
    ]);
    if (spaces) throw conflict("environmentId", `environment ${id} still has spaces; delete them first`);
    if (secrets) throw conflict("environmentId", `environment ${id} still has secrets; delete them first`);
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: envPk(id), sk: META },
          ConditionExpression: "attribute_exists(pk)",
        }),
      );
    } catch (e) {
      if (isConditionFailed(e)) throw environmentNotFound(id);
      throw this.translate(e);
    }
    // After the delete, so a read racing it cannot remember the scope again.
    this.knownScopes.forget({ environmentId: id });
    // A deleted environment leaves no history behind for a later environment of the same id.
    await this.purgeScope(scopePk({ environmentId: id }));
  }

  /**
   * Claims the space id with the lookup item first (space ids are global), then writes the listing item.
   * A create that crashed between the two is completed by the next create of the same space.
   */
  async createSpace(space: Space): Promise<void> {
    const lookup = { pk: spaceLookupPk(space.id), sk: META, environmentId: space.environmentId };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: lookup,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (e) {
      if (!isConditionFailed(e)) throw this.translate(e);
      const existing = await this.getLookup(space.id);
      if (existing !== space.environmentId || (await this.getSpaceItem(space.environmentId, space.id)))
        throw spaceTaken(space.id);
    }
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: envPk(space.environmentId), sk: spaceListSk(space.id), kind: "space", ...space },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (e) {
      if (isConditionFailed(e)) throw spaceTaken(space.id);
      throw this.translate(e);
    }
    await this.purgeScope(
      scopePk({ environmentId: space.environmentId, spaceId: space.id }),
      space.createdAt,
    );
  }

  async spaceInEnvironment(environmentId: string, spaceId: string): Promise<boolean> {
    const out = await this.call(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: envPk(environmentId), sk: spaceListSk(spaceId) },
          ProjectionExpression: "pk",
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item !== undefined;
  }

  async getSpace(id: string): Promise<Space | undefined> {
    const environmentId = await this.getLookup(id);
    return environmentId ? this.getSpaceItem(environmentId, id) : undefined;
  }

  async listSpaces(environmentId: string, page: PageRequest): Promise<Page<Space>> {
    const start = decodeCursor(page.cursor, ["id"]);
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
          ExpressionAttributeValues: { ":pk": envPk(environmentId), ":p": SPACE_LIST_PREFIX },
          ExclusiveStartKey: start ? { pk: envPk(environmentId), sk: spaceListSk(start.id) } : undefined,
          Limit: pageLimit(page.limit),
        }),
      ),
    );
    const items = (out.Items ?? []).map(toSpace);
    const last = items.at(-1);
    return { items, cursor: out.LastEvaluatedKey && last ? encodeCursor({ id: last.id }) : undefined };
  }

  async renameSpace(id: string, name: string, updatedAt: string): Promise<Space> {
    const environmentId = await this.getLookup(id);
    if (!environmentId) throw spaceNotFound(id);
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: envPk(environmentId), sk: spaceListSk(id) },
          UpdateExpression: "SET #n = :n, updatedAt = :u",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#n": "name" },
          ExpressionAttributeValues: { ":n": name, ":u": updatedAt },
          ReturnValues: "ALL_NEW",
        }),
      );
      return toSpace(out.Attributes ?? {});
    } catch (e) {
      if (isConditionFailed(e)) throw spaceNotFound(id);
      throw this.translate(e);
    }
  }

  /** Removes the listing item, then the lookup item; a crash in between leaves an id that create can reclaim. */
  async deleteSpace(id: string): Promise<void> {
    const environmentId = await this.getLookup(id);
    if (!environmentId) throw spaceNotFound(id);
    if (await this.hasAny(scopePk({ environmentId, spaceId: id }), SECRET_PREFIX))
      throw conflict("spaceId", `space ${id} still has overrides; remove them first`);
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: envPk(environmentId), sk: spaceListSk(id) },
          ConditionExpression: "attribute_exists(pk)",
        }),
      );
    } catch (e) {
      if (!isConditionFailed(e)) throw this.translate(e);
    }
    this.knownScopes.forget({ environmentId, spaceId: id });
    await this.purgeScope(scopePk({ environmentId, spaceId: id }));
    await this.call(() =>
      this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: spaceLookupPk(id), sk: META } })),
    );
  }

  /** The space if it is in this environment: one keyed read, whether it is missing or elsewhere. */
  getSpaceIn(environmentId: string, spaceId: string): Promise<Space | undefined> {
    return this.getSpaceItem(environmentId, spaceId);
  }

  /**
   * Removes a scope's stored secrets and history (current items, versions, tombstones), so an environment
   * or space created later under the same id starts empty: no versions to list or roll back to. With
   * `before`, only items written before that time go (leftovers of a write that raced the deletion),
   * each conditionally, so nothing the new scope wrote is touched.
   */
  private async purgeScope(pk: string, before?: string): Promise<void> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call(() =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": pk },
            ProjectionExpression: "pk, sk",
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        ),
      );
      await Promise.all(
        (out.Items ?? []).map((item) => this.purgeItem({ pk: String(item.pk), sk: String(item.sk) }, before)),
      );
      start = out.LastEvaluatedKey;
    } while (start);
  }

  private async purgeItem(Key: { pk: string; sk: string }, before: string | undefined): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key,
          ...(before === undefined
            ? {}
            : {
                ConditionExpression:
                  "(attribute_exists(updatedAt) AND updatedAt < :b) OR (attribute_not_exists(updatedAt) AND createdAt < :b)",
                ExpressionAttributeValues: { ":b": before },
              }),
        }),
      );
    } catch (e) {
      if (!isConditionFailed(e)) throw this.translate(e);
    }
  }

  private async getLookup(spaceId: string): Promise<string | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: spaceLookupPk(spaceId), sk: META },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item?.environmentId as string | undefined;
  }

  private async getSpaceItem(environmentId: string, spaceId: string): Promise<Space | undefined> {
    const out = await this.call(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: envPk(environmentId), sk: spaceListSk(spaceId) },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toSpace(out.Item) : undefined;
  }

  private async hasAny(pk: string, prefix: string): Promise<boolean> {
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
          ExpressionAttributeValues: { ":pk": pk, ":p": prefix },
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    return (out.Items?.length ?? 0) > 0;
  }
}

const environmentNotFound = (id: string) => notFound("environmentId", `environment ${id} not found`);
const spaceNotFound = (id: string) => notFound("spaceId", `space ${id} not found`);
const spaceTaken = (id: string) =>
  conflict("id", `space ${id} already exists; space ids are unique across environments`);
