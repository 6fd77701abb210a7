import { ADMIN, requireRole } from "../../core/access.ts";
import type { AwsIdentityBinding } from "../../core/aws-auth-ports.ts";
import { AppError } from "../../core/errors.ts";
import type { AppContext, AppDeps } from "../context.ts";
import type { PageInput } from "./secrets.ts";

/** The public view of a binding (its scope's creation times stay inside). */
export const awsIdentityView = (b: AwsIdentityBinding) => ({
  id: b.id,
  name: b.name,
  principalArn: b.principalArn,
  canonicalArn: b.canonicalArn,
  role: b.role,
  environmentId: b.environmentId,
  spaceId: b.spaceId ?? null,
  tokenTtlSeconds: b.tokenTtlSeconds,
  createdAt: b.createdAt,
  createdBy: b.createdBy,
});

/** GET /v1/aws-identities without its schemas (see reads/secrets.ts), and the service every route uses. */
export function awsIdentityReads(deps: Pick<AppDeps, "services">) {
  const service = () => {
    const s = deps.services.awsIdentities;
    if (!s)
      throw new AppError("unavailable", "AWS identities are not configured on this server", { key: "" });
    return s;
  };

  /** GET /v1/aws-identities. */
  async function list(c: AppContext, query: PageInput) {
    requireRole(c.get("principal"), ADMIN, "manage AWS identities");
    const page = await service().list(query);
    return c.json(
      { data: page.items.map(awsIdentityView), ...(page.cursor ? { cursor: page.cursor } : {}) },
      200,
    );
  }

  return { service, list };
}
