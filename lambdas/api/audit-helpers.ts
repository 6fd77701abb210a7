import type { AuditEntry } from "../core/audit-service.ts";
import type { AppContext, Services } from "./context.ts";

/**
 * Records a change after it happened. An audit write that fails does not undo the change (its version
 * history is already durable); it is reported to the entry point's error log instead.
 */
export async function auditChange(
  c: AppContext,
  services: Services,
  entry: Omit<AuditEntry, "requestId">,
  onError?: (requestId: string, e: unknown) => void,
): Promise<void> {
  try {
    await services.audit.record(c.get("principal"), { ...entry, requestId: c.get("requestId") });
  } catch (e) {
    onError?.(c.get("requestId"), e);
  }
}

/** Records a value reveal before the value leaves: if the audit cannot be written, nothing is revealed. */
export async function auditReveal(
  c: AppContext,
  services: Services,
  entry: Omit<AuditEntry, "requestId" | "outcome">,
) {
  await services.audit.record(c.get("principal"), {
    ...entry,
    outcome: "success",
    requestId: c.get("requestId"),
  });
}
