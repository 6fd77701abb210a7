import type { Role } from "./types.ts";

/** Who is calling, as established by authorize(): never taken from a client-sent header. */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  /** Set for operator and agent tokens: the one environment they may touch. */
  environmentId?: string | undefined;
  /** Set for space-bound tokens: the one space they may touch. */
  spaceId?: string | undefined;
  /** When the token expires (ISO); caches of this principal must not outlive it. */
  expiresAt?: string | undefined;
}

/** Roles that may see plaintext values. Operators write values but never read them. */
export const canReadValues = (p: Principal): boolean => p.role === "admin" || p.role === "agent";
