import type { WhoAmI } from "../../lambdas/api/schemas.ts";
import { Api, type Role } from "./api.ts";

// sessionStorage, never localStorage: the token dies with the tab and is never shared across tabs.
const KEY = "scoped-secrets.token";

export const savedToken = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined;
export const saveToken = (token: string) => sessionStorage.setItem(KEY, token);
export const forgetToken = () => sessionStorage.removeItem(KEY);

export interface Who {
  role: Role;
  /** The environment a non-admin token is bound to. */
  environmentId?: string | undefined;
  /** The space a space-bound token is bound to. */
  spaceId?: string | undefined;
  /** The token's own name, shown in the top bar. */
  name?: string | undefined;
}

/** What a token may do, from the API's own answer (GET /v1/whoami); reads and audits no value. */
export async function whoAmI(baseUrl: string, token: string): Promise<Who> {
  const { data } = await new Api(baseUrl, token).request<{ data: WhoAmI }>("GET", "/v1/whoami");
  return {
    role: data.role,
    environmentId: data.environmentId ?? undefined,
    spaceId: data.spaceId ?? undefined,
    name: data.name,
  };
}
