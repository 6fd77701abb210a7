import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { Listener, type SecretResolution } from "../../listener/listener.ts";
import { SecretsError } from "../../sdk/errors.ts";
import { awsIamOption, type Cli, scopeLabel } from "../cli.ts";
import { CliError, EXIT } from "../exit-codes.ts";

interface ListenOpts {
  environment: string;
  space?: string;
  topic: string;
  payload?: string;
}

export const DEFAULT_TOPIC = "agent:run";

/** `listen <module>`: loads a listener module, dispatches one event, exits with the handlers' outcome. */
export function registerListen(program: Command, cli: Cli): void {
  program
    .command("listen")
    .description("run a listener module's handlers for one event, with event.secrets served by this service")
    .argument("<module>", "a file whose default export is function (listener) { listener.on(…) }")
    .requiredOption("-e, --environment <id>", "the event's context.environmentId")
    .option("-s, --space <id>", "the event's context.spaceId")
    .option("--topic <topic>", "the event's topic", DEFAULT_TOPIC)
    .option("--payload <file>", "a JSON file to use as the event's payload (default {})")
    .addOption(awsIamOption())
    .addHelpText(
      "after",
      `
Exits 0 when every matching handler finished; non-zero when one threw: 3, 4 or 5 when it threw
because a secret was missing, the token was refused or the service was down, else 1 (also when no
handler matches the topic).
Each secret the handlers read is reported on stderr by name, scope and version; never its value.
The token is SCOPED_SECRETS_TOKEN (an agent token in production).

Examples:
  $ scoped-secrets listen examples/slack-listener.js -e us_env_123
  $ scoped-secrets listen ./listener.ts -e us_env_123 -s us_spa_123 --topic job:ready --payload job.json`,
    )
    .action(async (modulePath: string, opts: ListenOpts, command: Command) => {
      const json = cli.globals(command).json;
      const client = cli.client(command);
      const setup = await loadModule(resolve(cli.io.cwd, modulePath), modulePath);
      const payload = opts.payload ? await readPayload(resolve(cli.io.cwd, opts.payload), opts.payload) : {};
      const secrets: SecretResolution[] = [];
      const listener = new Listener({
        client,
        onSecret: (r) => {
          secrets.push(r);
          if (!json) cli.err(describe(r));
        },
      });
      await setup(listener);
      const handlers = listener.countHandlers(opts.topic);
      if (!handlers)
        throw new CliError(
          `no handler in ${modulePath} matches topic ${opts.topic}; pass --topic`,
          EXIT.failed,
        );
      const context = { environmentId: opts.environment, ...(opts.space ? { spaceId: opts.space } : {}) };
      const report = () => ({ topic: opts.topic, context, handlers, secrets: secrets.map(reportOf) });
      try {
        await listener.dispatchEvent({ topic: opts.topic, context, payload });
      } catch (e) {
        if (json) cli.json({ ok: false, ...report(), error: messageOf(e) });
        throw new CliError(
          `handler failed for ${opts.topic} in ${scopeLabel(opts)}: ${messageOf(e)}`,
          exitFor(e),
        );
      }
      if (json) return cli.json({ ok: true, ...report() });
      cli.err(`${handlers} handler${handlers === 1 ? "" : "s"} ran for ${opts.topic}: ok`);
    });
}

type Setup = (listener: Listener) => unknown;

async function loadModule(path: string, shown: string): Promise<Setup> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(path).href);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((e as Error).message).includes(path))
      throw new CliError(`cannot find the listener module ${shown}`, EXIT.usage);
    if (code === "ERR_UNKNOWN_FILE_EXTENSION" && /\.[cm]?tsx?$/.test(path))
      throw new CliError(
        `cannot load ${shown}: this node runs JavaScript only; compile it, or run the CLI with a TypeScript loader (node --import tsx …)`,
        EXIT.usage,
      );
    throw new CliError(`cannot load ${shown}: ${(e as Error).message}`, EXIT.usage);
  }
  // A CommonJS module.exports = fn arrives as default; a transpiled `exports.default` one level down.
  const fn =
    typeof mod.default === "function" ? mod.default : (mod.default as { default?: unknown })?.default;
  if (typeof fn !== "function")
    throw new CliError(`${shown} has no default export function (listener) { … }`, EXIT.usage);
  return fn as Setup;
}

async function readPayload(path: string, shown: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new CliError(
      `cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      EXIT.usage,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${shown} is not valid JSON`, EXIT.usage);
  }
}

const reportOf = (r: SecretResolution) => ({
  name: r.name,
  environmentId: r.scope.environmentId,
  spaceId: r.scope.spaceId ?? null,
  secretId: r.secret.id,
  version: r.secret.version,
  from: r.secret.spaceId ? "space" : "environment",
  inherited: r.secret.inherited,
  overridden: r.secret.overridden,
  stale: r.stale,
});

function describe(r: SecretResolution): string {
  const where = r.scope.spaceId ? `space ${r.scope.spaceId}` : `environment ${r.scope.environmentId}`;
  const from = r.secret.spaceId
    ? "the space's own value"
    : r.scope.spaceId
      ? "inherited from the environment"
      : "the environment's value";
  return `event.secrets("${r.name}") in ${where}: ${from}, version ${r.secret.version}${r.stale ? " (STALE: service unreachable)" : ""}`;
}

function messageOf(e: unknown): string {
  if (e instanceof AggregateError) return e.errors.map(messageOf).join("; ");
  return e instanceof Error ? e.message : String(e);
}

/** A handler that failed because the service did (not found, auth, down) keeps that exit code; anything else is 1. */
function exitFor(e: unknown): number {
  if (!(e instanceof SecretsError)) return EXIT.failed;
  if (e.code === "not_found") return EXIT.notFound;
  if (e.code === "unauthorized" || e.code === "forbidden") return EXIT.auth;
  return e.unreachable ? EXIT.unavailable : EXIT.failed;
}
