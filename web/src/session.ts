import { Api, ApiError, type Role } from "./api.ts";

// sessionStorage, never localStorage: the token dies with the tab and is never shared across tabs.
const KEY = "scoped-secrets.token";

export const savedToken = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined;
export const saveToken = (token: string) => sessionStorage.setItem(KEY, token);
export const forgetToken = () => sessionStorage.removeItem(KEY);

export interface Who {
  role: Role;
  /** The environment a non-admin token is bound to, when the server shows one. */
  environmentId?: string | undefined;
}

const forbidden = (e: unknown) => e instanceof ApiError && e.status === 403;

/**
 * Finds out what a token may do. The API has no "who am I" route yet, so this asks three cheap
 * questions whose 200/403 answers tell the roles apart (none of them reads or audits a value).
 */
export async function whoAmI(baseUrl: string, token: string): Promise<Who> {
  const api = new Api(baseUrl, token);
  const envs = await api.request<{ data: { id: string }[] }>("GET", "/v1/environments?limit=1");
  const environmentId = envs.data[0]?.id;
  try {
    await api.request("GET", "/v1/tokens?limit=1");
    return { role: "admin" };
  } catch (e) {
    if (!forbidden(e)) throw e;
  }
  try {
    await api.request("GET", "/v1/audit?limit=1");
    return { role: "operator", environmentId };
  } catch (e) {
    if (!forbidden(e)) throw e;
    return { role: "agent", environmentId };
  }
}
