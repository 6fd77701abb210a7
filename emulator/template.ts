/**
 * The synthesized CloudFormation template, and the few intrinsic functions the stack's properties use
 * (Ref, Fn::GetAtt, Fn::Join, Fn::Sub), resolved the way CloudFormation would once the emulated resources
 * have physical ids. Anything else is left unresolved and reported, never guessed.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped
export type Cfn = any;

export interface Resource {
  Type: string;
  Properties?: Cfn;
  Metadata?: Cfn;
}

export interface Template {
  Resources: Record<string, Resource>;
}

/** What CloudFormation would know after a deploy: the account, region, and each resource's Ref and attributes. */
export interface Environment {
  accountId: string;
  region: string;
  stackName: string;
  /** logical id → the value of `Ref`. */
  refs: Record<string, string>;
  /** "LogicalId.Attribute" → the value of `Fn::GetAtt`. */
  attributes: Record<string, string>;
}

export class UnresolvedError extends Error {
  override name = "UnresolvedError";
}

/** Resolves intrinsic functions in `value`; throws UnresolvedError naming what it could not resolve. */
export function resolve(value: Cfn, env: Environment): Cfn {
  if (Array.isArray(value)) return value.map((v) => resolve(v, env));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = value[key];
    if (key === "Ref") return ref(String(arg), env);
    if (key === "Fn::GetAtt") {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(".");
      const found = env.attributes[`${id}.${attr}`];
      if (found === undefined) throw new UnresolvedError(`Fn::GetAtt ${id}.${attr}`);
      return found;
    }
    if (key === "Fn::Join") {
      const [sep, parts] = arg as [string, Cfn[]];
      return parts.map((p) => String(resolve(p, env))).join(sep);
    }
    if (key === "Fn::Sub") {
      const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, Cfn>];
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
        name in vars
          ? String(resolve(vars[name], env))
          : name.includes(".")
            ? String(resolve({ "Fn::GetAtt": name.split(".") }, env))
            : ref(name, env),
      );
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, env)]));
}

function ref(name: string, env: Environment): string {
  const pseudo: Record<string, string> = {
    "AWS::AccountId": env.accountId,
    "AWS::Region": env.region,
    "AWS::Partition": "aws",
    "AWS::StackName": env.stackName,
    "AWS::URLSuffix": "amazonaws.com",
  };
  const found = pseudo[name] ?? env.refs[name];
  if (found === undefined) throw new UnresolvedError(`Ref ${name}`);
  return found;
}

/** The resources of one type, as [logicalId, resource] pairs. */
export function ofType(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** The single resource of a type the emulator needs exactly one of (the table, the key, the API). */
export function single(template: Template, type: string): [string, Resource] {
  const found = ofType(template, type);
  if (found.length !== 1)
    throw new Error(`the template has ${found.length} ${type} resources; the emulator expects exactly one`);
  return found[0] as [string, Resource];
}

/** The logical id a `{Ref: id}` or `{"Fn::GetAtt": [id, …]}` points at. */
export function targetId(value: Cfn): string | undefined {
  if (value?.Ref) return String(value.Ref);
  const getAtt = value?.["Fn::GetAtt"];
  if (getAtt) return String(Array.isArray(getAtt) ? getAtt[0] : String(getAtt).split(".")[0]);
  return undefined;
}

/** Every logical id referenced anywhere inside `value` (Ref or GetAtt). */
export function referencedIds(value: Cfn, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencedIds(v, out);
  else if (value && typeof value === "object") {
    const id = targetId(value);
    if (id && !id.startsWith("AWS::")) out.add(id);
    for (const v of Object.values(value)) referencedIds(v, out);
  }
  return out;
}
