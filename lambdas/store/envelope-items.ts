import { ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { EncryptionContext } from "../core/ports.ts";
import type { Envelope } from "../core/types.ts";
import { isConditionFailed } from "./errors.ts";
import { RepositoryBase } from "./repository-base.ts";

/** One stored envelope (a current secret item or a version item) and what it is bound to. */
export interface StoredEnvelope {
  /** Where the item is; opaque outside the store. */
  readonly ref: { readonly pk: string; readonly sk: string };
  context: EncryptionContext;
  envelope: Envelope;
}

/**
 * Every envelope in the table, for offline maintenance (re-wrapping data keys under a new local master key).
 * A full-table Scan: never on a request path, only while the service is stopped.
 */
export class EnvelopeItems extends RepositoryBase {
  /** Pages of stored envelopes, read consistently. */
  async *scan(pageSize = 100): AsyncGenerator<StoredEnvelope[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call(() =>
        this.doc.send(
          new ScanCommand({
            TableName: this.table,
            FilterExpression: "attribute_exists(envelope) AND (kind = :secret OR kind = :version)",
            ExpressionAttributeValues: { ":secret": "secret", ":version": "version" },
            ExclusiveStartKey: start,
            ConsistentRead: true,
            Limit: pageSize,
          }),
        ),
      );
      const page = (out.Items ?? []).map((item) => ({
        ref: { pk: String(item.pk), sk: String(item.sk) },
        context: {
          environmentId: String(item.environmentId),
          spaceId: typeof item.spaceId === "string" ? item.spaceId : undefined,
          name: String(item.name),
          version: Number(item.version),
        },
        envelope: item.envelope as Envelope,
      }));
      if (page.length) yield page;
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Replaces the wrapped data key of one stored envelope, only if it is still the one that was read (the value's
   * ciphertext, IV and tag are untouched). False when the item changed or is gone.
   */
  async rewrap(item: StoredEnvelope, wrappedKey: string, keyId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: item.ref.pk, sk: item.ref.sk },
          UpdateExpression: "SET envelope.wrappedKey = :w, envelope.keyId = :k",
          ConditionExpression: "envelope.wrappedKey = :oldW AND envelope.keyId = :oldK",
          ExpressionAttributeValues: {
            ":w": wrappedKey,
            ":k": keyId,
            ":oldW": item.envelope.wrappedKey,
            ":oldK": item.envelope.keyId,
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw this.translate(e);
    }
  }
}
