import { AppError, notFound } from "./errors.ts";
import type { Principal } from "./principal.ts";
import type { Role, Scope } from "./types.ts";

/**
 * Authorization rules in one place (DESIGN §3). Outside the caller's scope the answer is 404 with the
 * same message as a missing resource, so nothing confirms that it exists; inside the scope, an action
 * the role may not take is 403.
 */

/** True if the principal may see anything in this environment. */
export const inEnvironment = (p: Principal, environmentId: string): boolean =>
  p.role === "admin" || p.environmentId === environmentId;

/** True if the principal may see this exact scope (a space-bound token sees only its space). */
export function inScope(p: Principal, scope: Scope): boolean {
  if (p.role === "admin") return true;
  if (p.environmentId !== scope.environmentId) return false;
  if (p.spaceId === undefined) return true;
  return scope.spaceId === p.spaceId;
}

/**
 * True if the caller may learn the name of the token behind a write at `scope`: the roles that may read that
 * scope's audit log, which names actors anyway (admins; operators in their environment, or only their space
 * when space-bound). Agents, and space-bound tokens looking at an inherited environment value, get no name.
 */
export function mayKnowWriter(p: Principal, scope: Scope): boolean {
  if (p.role === "admin") return true;
  if (p.role !== "operator" || p.environmentId !== scope.environmentId) return false;
  return p.spaceId === undefined || scope.spaceId === p.spaceId;
}

export const environmentNotFound = (id: string) => notFound("environmentId", `environment ${id} not found`);
export const spaceNotFound = (id: string) => notFound("spaceId", `space ${id} not found`);
export const secretNotFound = (id: string) => notFound("secretId", `secret ${id} not found`);

/** 404 unless the scope is the caller's; the message names the scope exactly as a missing one would. */
export function requireScope(p: Principal, scope: Scope): void {
  if (inScope(p, scope)) return;
  if (p.role !== "admin" && p.environmentId === scope.environmentId && p.spaceId && !scope.spaceId) {
    throw new AppError(
      "forbidden",
      `this token is bound to space ${p.spaceId}; pass spaceId=${p.spaceId} to read or write in it`,
      { key: "spaceId" },
    );
  }
  throw scope.spaceId ? spaceNotFound(scope.spaceId) : environmentNotFound(scope.environmentId);
}

/** 403 when the role may not take this action (the scope has already been checked). */
export function requireRole(p: Principal, roles: readonly Role[], action: string): void {
  if (roles.includes(p.role)) return;
  throw new AppError(
    "forbidden",
    `a ${p.role} token may not ${action}; ask an admin for a token with that role`,
    {
      key: "Authorization",
    },
  );
}

export const ADMIN: readonly Role[] = ["admin"];
export const MANAGERS: readonly Role[] = ["admin", "operator"];
export const EVERYONE: readonly Role[] = ["admin", "operator", "agent"];
