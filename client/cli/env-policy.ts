import { readFileSync } from "node:fs";
import type { Secret } from "../sdk/api-types.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import { unsafeReason } from "./unsafe-names.ts";

/**
 * Which secrets `exec` hands its child, and which it withholds and why (docs/cli.md, "exec"). The child
 * never receives a refused name; the reasons name secrets, never values.
 */

/** The committed allowlist `exec` reads from its working directory when present. */
export const ALLOW_FILE = ".scoped-secrets-allow";

const ENTRY = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

export interface AllowList {
  /** Where it came from, for messages: a file path. */
  source: string;
  /** Exact names, or `PREFIX*`. */
  entries: string[];
}

export interface EnvPolicy {
  /** --only: exactly these names (all must exist). */
  only?: readonly string[] | undefined;
  /** The allow file: no name outside it is passed on. */
  allowList?: AllowList | undefined;
  /** --allow-unsafe-names: pass refused names that are listed by exact name in --only or the allow file. */
  allowUnsafe: boolean;
  /** --override: a secret replaces a variable the parent already has. */
  override: boolean;
  /** exec's own environment, which the child inherits. */
  parentEnv: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
}

export interface Withheld {
  name: string;
  /** The message's reason, e.g. "already set in this environment". */
  reason: string;
  /** How to pass it anyway. */
  hint: string;
}

export interface EnvPlan {
  env: Record<string, string | undefined>;
  /** Each secret passed on: name → its id and version (what a restart compares). */
  injected: Map<string, string>;
  withheld: Withheld[];
}

/** Reads an allow file: one name or `PREFIX*` a line, `#` comments. Undefined when the file does not exist. */
export function readAllowFile(path: string, required: boolean): AllowList | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" && !required) return undefined;
    throw new CliError(`cannot read the allow file ${path}: ${(e as Error).message}`, EXIT.usage);
  }
  const entries: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) return;
    if (!ENTRY.test(line))
      throw new CliError(
        `${path} line ${i + 1}: expected a variable name or NAME_PREFIX*, one per line (got ${JSON.stringify(line.slice(0, 80))})`,
        EXIT.usage,
      );
    entries.push(line);
  });
  return { source: path, entries };
}

/** Does the allow list let this name through (an exact entry, or a `PREFIX*` one)? */
export const isListed = (list: AllowList | undefined, name: string): boolean =>
  list?.entries.some((e) => (e.endsWith("*") ? name.startsWith(e.slice(0, -1)) : e === name)) ?? false;

/** True when the person running exec named this secret exactly (not through a pattern). */
function namedExactly(policy: EnvPolicy, name: string): boolean {
  return Boolean(policy.only?.includes(name) || policy.allowList?.entries.includes(name));
}

/** Does the parent environment already have this variable? (Windows compares names without case.) */
function parentHas(policy: EnvPolicy, name: string): boolean {
  const env = policy.parentEnv;
  if ((policy.platform ?? process.platform) !== "win32") return env[name] !== undefined;
  const upper = name.toUpperCase();
  return Object.keys(env).some((k) => k.toUpperCase() === upper && env[k] !== undefined);
}

/** The child's environment: the parent's (without SCOPED_SECRETS_TOKEN) plus the secrets the policy lets through. */
export function planEnv(secrets: readonly Secret[], policy: EnvPolicy): EnvPlan {
  const env: Record<string, string | undefined> = { ...policy.parentEnv };
  delete env.SCOPED_SECRETS_TOKEN;
  const injected = new Map<string, string>();
  const withheld: Withheld[] = [];
  for (const s of secrets) {
    if (policy.only && !policy.only.includes(s.name)) continue;
    if (policy.allowList && !isListed(policy.allowList, s.name)) {
      withheld.push({
        name: s.name,
        reason: `not in ${policy.allowList.source}`,
        hint: "add it to that file",
      });
      continue;
    }
    const unsafe = unsafeReason(s.name);
    if (unsafe && !(policy.allowUnsafe && namedExactly(policy, s.name))) {
      withheld.push({
        name: s.name,
        reason: unsafe,
        hint: "to pass one on purpose, name it in --only (or the allow file) and add --allow-unsafe-names",
      });
      continue;
    }
    if (!policy.override && parentHas(policy, s.name)) {
      withheld.push({
        name: s.name,
        reason: "already set in this environment",
        hint: "--override replaces it",
      });
      continue;
    }
    env[s.name] = s.value;
    injected.set(s.name, `${s.id}#${s.version}`);
  }
  return { env, injected, withheld };
}

/** One stderr line per reason: "withheld A, B: <reason> (<hint>)". Names only. */
export function describeWithheld(withheld: readonly Withheld[]): string[] {
  const groups = new Map<string, { names: string[]; hint: string }>();
  for (const w of withheld) {
    const g = groups.get(w.reason) ?? { names: [], hint: w.hint };
    g.names.push(w.name);
    groups.set(w.reason, g);
  }
  return [...groups].map(([reason, g]) => `withheld ${g.names.join(", ")}: ${reason} (${g.hint})`);
}

/** The names whose injected secret differs between two plans (added, changed or gone), sorted. */
export function changedNames(before: EnvPlan, after: EnvPlan): string[] {
  const names = new Set([...before.injected.keys(), ...after.injected.keys()]);
  return [...names].filter((n) => before.injected.get(n) !== after.injected.get(n)).sort();
}
