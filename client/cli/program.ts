import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { Cli, type CliIo, DEFAULT_URL } from "./cli.ts";
import { registerAudit } from "./commands/audit.ts";
import { registerAwsIdentities } from "./commands/aws-identities.ts";
import { registerExec } from "./commands/exec.ts";
import { registerListen } from "./commands/listen.ts";
import { registerRenames } from "./commands/rename.ts";
import { registerScopes } from "./commands/scopes.ts";
import { registerSecrets } from "./commands/secrets.ts";
import { registerTokens } from "./commands/tokens.ts";
import { registerTransfer } from "./commands/transfer.ts";
import { CliError, EXIT, exitCodeFor, isSecretsError } from "./exit-codes.ts";

/** The package's version: its package.json is one level up from the sources (cli/) and two from dist/cli/. */
const VERSION = ((): string => {
  for (const up of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as Record<string, string>;
      if (pkg.name === "@scoped-secrets/client" && pkg.version) return pkg.version;
    } catch {
      // not there: try the next level
    }
  }
  return "unknown";
})();

/** Adds commands to the program (the root package adds its ops commands: bootstrap, rotate-key). */
export type ProgramExtension = (program: Command, cli: Cli) => void;

/**
 * The `scoped-secrets` commander program, writing through `cli.io`. Commander's own exits become
 * thrown CommanderErrors (exitOverride), which runCli turns into exit codes.
 */
export function buildProgram(cli: Cli, extend?: ProgramExtension): Command {
  const program = new Command("scoped-secrets")
    .description("Scoped, envelope-encrypted secrets for event-driven integrations")
    .version(VERSION, "-V, --version")
    .option("--url <url>", `the service (default: SCOPED_SECRETS_URL, else ${DEFAULT_URL})`)
    .option("--json", "machine-readable JSON on stdout")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => cli.io.stdout.write(s),
      writeErr: (s) => cli.io.stderr.write(s),
    })
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      "after",
      `
Configuration:
  SCOPED_SECRETS_URL    the service (default ${DEFAULT_URL}, the local server of npm start)
  SCOPED_SECRETS_TOKEN  your token (default for a local server: DATA_DIR/admin-token, DATA_DIR=.data)

Exit codes: 0 ok, 1 rejected/failed, 2 usage, 3 not found, 4 auth, 5 service unreachable or failing.

Examples:
  $ scoped-secrets env create production --id us_env_123
  $ printf %s "$SLACK_TOKEN" | scoped-secrets set SLACK_TOKEN -e us_env_123
  $ scoped-secrets exec -e us_env_123 -- node worker.js
  $ scoped-secrets listen examples/slack-listener.js -e us_env_123`,
    );
  registerScopes(program, cli);
  registerRenames(program, cli);
  registerSecrets(program, cli);
  registerTokens(program, cli);
  registerAudit(program, cli);
  registerAwsIdentities(program, cli);
  registerExec(program, cli);
  registerTransfer(program, cli);
  registerListen(program, cli);
  extend?.(program, cli);
  return program;
}

/** The process's io. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    fetch: globalThis.fetch,
  };
}

/** Runs the CLI on `argv` (without node and script) and resolves with the exit code; never calls process.exit. */
export async function runCli(
  argv: readonly string[],
  io: Partial<CliIo> = {},
  extend?: ProgramExtension,
): Promise<number> {
  const cli = new Cli({ ...processIo(), ...io }, argv);
  const program = buildProgram(cli, extend);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return cli.exitCode;
  } catch (e) {
    return failure(cli, e, Boolean(program.opts().json));
  }
}

/** The process entry point: runs the CLI on process.argv and exits with its code. */
export async function main(extend?: ProgramExtension): Promise<void> {
  // `scoped-secrets ls | head`: the reader went away; stop quietly, as other command-line tools do.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  const code = await runCli(process.argv.slice(2), {}, extend);
  process.exitCode = code;
  // A listener module may leave timers or sockets open; the run is over, so do not wait for them.
  setTimeout(() => process.exit(code), 200).unref();
}

function failure(cli: Cli, e: unknown, json: boolean): number {
  if (e instanceof CommanderError) {
    // Commander already printed help or the usage error. Help and --version exit 0; a command's own
    // error() keeps its code; anything else is a usage error.
    if (e.exitCode === 0) return EXIT.ok;
    return e.code === "commander.error" ? e.exitCode : EXIT.usage;
  }
  let code: number;
  let message: string;
  if (isSecretsError(e)) {
    code = exitCodeFor(e);
    message = e.message;
  } else if (e instanceof CliError) {
    code = e.exitCode;
    message = e.message;
  } else {
    code = EXIT.failed;
    message = e instanceof Error ? e.message : String(e);
  }
  if (json)
    cli.io.stderr.write(
      `${JSON.stringify({ error: { message, exitCode: code, ...(isSecretsError(e) ? { code: e.code, status: e.status, errors: e.errors } : {}) } })}\n`,
    );
  else cli.err(`scoped-secrets: ${message}`);
  return code;
}
