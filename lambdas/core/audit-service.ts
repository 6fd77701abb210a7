import { newId } from "./ids.ts";
import type { AuditQuery, AuditStore, Clock, PageRequest } from "./ports.ts";
import { systemClock } from "./ports.ts";
import type { Principal } from "./principal.ts";
import type { AuditEvent, Page } from "./types.ts";

export const DEFAULT_AUDIT_RETENTION_DAYS = 400;

export interface AuditEntry {
  action: string;
  target: AuditEvent["target"];
  outcome: AuditEvent["outcome"];
  environmentId?: string | undefined;
  requestId?: string | undefined;
  /** A short reason (an error code); never a value or a token. */
  detail?: string | undefined;
}

/** Who changed or revealed what, when. Events carry names and ids only, never values or tokens. */
export class AuditService {
  private readonly clock: Clock;
  private readonly retentionDays: number;

  constructor(private readonly deps: { audit: AuditStore; clock?: Clock; retentionDays?: number }) {
    this.clock = deps.clock ?? systemClock;
    this.retentionDays = deps.retentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
  }

  async record(actor: Principal, entry: AuditEntry): Promise<AuditEvent> {
    const event: AuditEvent = {
      id: newId("evt"),
      at: this.clock.now().toISOString(),
      environmentId: entry.environmentId,
      actor: { tokenId: actor.tokenId, name: actor.name },
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome,
      requestId: entry.requestId,
      detail: entry.detail,
    };
    await this.deps.audit.appendAudit(event, this.retentionDays);
    return event;
  }

  list(query: AuditQuery, page: PageRequest): Promise<Page<AuditEvent>> {
    return this.deps.audit.listAudit(query, page);
  }
}
