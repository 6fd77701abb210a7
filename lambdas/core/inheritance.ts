import type { StoredSecret } from "./types.ts";

export interface EffectiveEntry {
  stored: StoredSecret;
  /** The space sees the environment's value. */
  inherited: boolean;
  /** The space's own value hides an environment value of the same name. */
  overridden: boolean;
}

/**
 * A space sees every environment secret, except where it has its own value of the same name.
 * Removing the space's value makes the environment's value visible again, because nothing is copied.
 * Names are case-sensitive and never normalised. Output is ordered by name.
 */
export function mergeEffective(
  environment: StoredSecret[],
  space: StoredSecret[] | undefined,
): EffectiveEntry[] {
  if (space === undefined) {
    return [...environment].sort(byName).map((stored) => ({ stored, inherited: false, overridden: false }));
  }
  const own = new Map(space.map((s) => [s.name, s]));
  const envNames = new Set(environment.map((s) => s.name));
  const entries: EffectiveEntry[] = [
    ...space.map((stored) => ({ stored, inherited: false, overridden: envNames.has(stored.name) })),
    ...environment
      .filter((s) => !own.has(s.name))
      .map((stored) => ({ stored, inherited: true, overridden: false })),
  ];
  return entries.sort((a, b) => byName(a.stored, b.stored));
}

/** Picks the one secret a scope sees for a name: the space's own value first, then the environment's. */
export function pickEffective(
  environment: StoredSecret | undefined,
  space: StoredSecret | undefined,
  inSpace: boolean,
): EffectiveEntry | undefined {
  if (space) return { stored: space, inherited: false, overridden: environment !== undefined };
  if (environment) return { stored: environment, inherited: inSpace, overridden: false };
  return undefined;
}

const byName = (a: StoredSecret, b: StoredSecret) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
