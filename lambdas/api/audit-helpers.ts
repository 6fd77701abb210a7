import type { AuditEvent, Space, TokenRecord } from "../core/types.ts";
import type { AppContext, AppDeps, Services } from "./context.ts";

/**
 * Records a change after it happened, in the target's environment. An audit write that fails does not
 * undo the change (its version history is already durable); it goes to the entry point's error log.
 */
export async function auditChange(
  c: AppContext,
  deps: Pick<AppDeps, "services" | "logError">,
  action: string,
  target: AuditTarget,
  detail?: string,
): Promise<void> {
  try {
    await deps.services.audit.record(c.get("principal"), {
      action,
      target,
      outcome: "success",
      environmentId: target.environmentId,
      requestId: c.get("requestId"),
      detail,
    });
  } catch (e) {
    deps.logError?.(c.get("requestId"), e);
  }
}

type AuditTarget = AuditEvent["target"];

export const envTarget = (id: string, name?: string): AuditTarget => ({
  type: "environment",
  id,
  name,
  environmentId: id,
});

export const spaceTarget = (s: Space): AuditTarget => ({
  type: "space",
  id: s.id,
  name: s.name,
  environmentId: s.environmentId,
  spaceId: s.id,
});

export const tokenTarget = (t: TokenRecord): AuditTarget => ({
  type: "token",
  id: t.id,
  name: t.name,
  environmentId: t.environmentId,
  spaceId: t.spaceId,
});

/** A secret at its own scope: name and scope only, never a value. */
export const scopeTarget = (s: {
  id: string;
  name: string;
  environmentId: string;
  spaceId?: string | null | undefined;
}): AuditTarget => ({
  type: "secret",
  id: s.id,
  name: s.name,
  environmentId: s.environmentId,
  spaceId: s.spaceId ?? undefined,
});

/**
 * Records an admin's value reveal before the value leaves: if the audit cannot be written, nothing is
 * revealed. Agent reads are the hot path that values exist for and are not audit events (SECURITY.md).
 */
export async function auditReveal(c: AppContext, services: Services, target: AuditTarget, detail?: string) {
  const principal = c.get("principal");
  if (principal.role !== "admin") return;
  await services.audit.record(principal, {
    action: "secret.reveal",
    target,
    outcome: "success",
    environmentId: target.environmentId,
    requestId: c.get("requestId"),
    detail,
  });
}
