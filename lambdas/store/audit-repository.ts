import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { AuditStore, PageRequest } from "../core/ports.ts";
import type { AuditEvent, Page } from "../core/types.ts";
import { decodeCursor, encodeCursor, pageLimit } from "./cursor.ts";
import { auditPk } from "./keys.ts";
import { RepositoryBase, stripKeys } from "./repository-base.ts";

/** Audit events, one partition per environment ("_" for events outside any environment), newest first. */
export class AuditRepository extends RepositoryBase implements AuditStore {
  async appendAudit(event: AuditEvent, retentionDays: number): Promise<void> {
    const ttl = Math.floor(Date.parse(event.at) / 1000) + retentionDays * 86_400;
    await this.call(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: auditPk(event.environmentId),
            sk: `${event.at}#${event.id}`,
            kind: "audit",
            ttl,
            ...event,
          },
        }),
      ),
    );
  }

  async listAudit(environmentId: string | undefined, page: PageRequest): Promise<Page<AuditEvent>> {
    const pk = auditPk(environmentId);
    const start = decodeCursor(page.cursor, ["sk"]);
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ExclusiveStartKey: start ? { pk, sk: start.sk } : undefined,
          ScanIndexForward: false,
          Limit: pageLimit(page.limit),
        }),
      ),
    );
    const items = (out.Items ?? []).map((i) => stripKeys<AuditEvent>(i));
    const lastSk = out.Items?.at(-1)?.sk as string | undefined;
    return { items, cursor: out.LastEvaluatedKey && lastSk ? encodeCursor({ sk: lastSk }) : undefined };
  }
}
