import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { AppError } from "../core/errors.ts";
import type { AuditQuery, AuditStore, PageRequest } from "../core/ports.ts";
import type { AuditEvent, Page } from "../core/types.ts";
import { decodeCursor, encodeCursor, pageLimit } from "./cursor.ts";
import { isConditionFailed } from "./errors.ts";
import { auditPk, spaceAuditPk } from "./keys.ts";
import { RepositoryBase, stripKeys } from "./repository-base.ts";

/**
 * Audit events, newest first: one partition per environment, one per space (a space's events are written to
 * both, so a space-bound reader's pages hold only its space), and a global one no environment id can name.
 */
export class AuditRepository extends RepositoryBase implements AuditStore {
  async appendAudit(event: AuditEvent, retentionDays: number): Promise<void> {
    const ttl = Math.floor(Date.parse(event.at) / 1000) + retentionDays * 86_400;
    const spaceId = event.environmentId ? event.target.spaceId : undefined;
    const partitions = [
      auditPk(event.environmentId),
      ...(event.environmentId && spaceId ? [spaceAuditPk(event.environmentId, spaceId)] : []),
    ];
    await Promise.all(partitions.map((pk) => this.put(pk, event, ttl)));
  }

  /** Never overwrites an event: ids are unique, so a taken key is a bug or an attack, not a retry. */
  private async put(pk: string, event: AuditEvent, ttl: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(pk, event, ttl),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (e) {
      if (isConditionFailed(e))
        throw new AppError("conflict", `audit event ${event.id} already exists; it was not overwritten`);
      throw this.translate(e);
    }
  }

  async listAudit(query: AuditQuery, page: PageRequest): Promise<Page<AuditEvent>> {
    const pk =
      query.environmentId && query.spaceId
        ? spaceAuditPk(query.environmentId, query.spaceId)
        : auditPk(query.environmentId);
    const start = decodeCursor(page.cursor, ["sk"]);
    // Sort keys start with the event's time: `since` hides what an earlier scope of the same id recorded.
    const since = query.since;
    if (start && since && start.sk < since) return { items: [] };
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: since ? "pk = :pk AND sk >= :since" : "pk = :pk",
          ExpressionAttributeValues: since ? { ":pk": pk, ":since": since } : { ":pk": pk },
          ExclusiveStartKey: start ? { pk, sk: start.sk } : undefined,
          ScanIndexForward: false,
          Limit: pageLimit(page.limit),
        }),
      ),
    );
    const items = (out.Items ?? []).map(fromItem);
    const lastSk = out.Items?.at(-1)?.sk as string | undefined;
    return { items, cursor: out.LastEvaluatedKey && lastSk ? encodeCursor({ sk: lastSk }) : undefined };
  }
}

/**
 * The event's id is stored as `eventId`, not `id`: an item with an `id` attribute is projected into the
 * byId index, and nothing looks events up by id, so that was one index write per audit item for nothing
 * (an extra write unit per item on AWS, an extra LevelDB write in dynalite).
 */
const toItem = (pk: string, event: AuditEvent, ttl: number) => {
  const { id, ...rest } = event;
  return { pk, sk: `${event.at}#${id}`, kind: "audit", ttl, eventId: id, ...rest };
};

/** Items written before the rename carry `id`. */
const fromItem = (item: Record<string, unknown>): AuditEvent => {
  const { eventId, ...rest } = stripKeys<AuditEvent & { eventId?: string }>(item);
  return eventId === undefined ? rest : { ...rest, id: eventId };
};
