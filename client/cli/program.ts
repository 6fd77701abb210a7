import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { Cli, type CliIo, DEFAULT_URL } from "./cli.ts";
import { registerAwsIdentities } from "./commands/aws-identities.ts";
import { registerBootstrap } from "./commands/bootstrap.ts";
import { registerExec } from "./commands/exec.ts";
import { registerListen } from "./commands/listen.ts";
import { registerRotateKey } from "./commands/rotate-key.ts";
import { registerScopes } from "./commands/scopes.ts";
import { registerSecrets } from "./commands/secrets.ts";
import { registerTokens } from "./commands/tokens.ts";
import { registerTransfer } from "./commands/transfer.ts";
import { CliError, EXIT, exitCodeFor, isSecretsError } from "./exit-codes.ts";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/**
 * The `scoped-secrets` commander program, writing through `cli.io`. Commander's own exits become
 * thrown CommanderErrors (exitOverride), which runCli turns into exit codes.
 */
export function buildProgram(cli: Cli): Command {
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
  registerSecrets(program, cli);
  registerTokens(program, cli);
  registerAwsIdentities(program, cli);
  registerExec(program, cli);
  registerTransfer(program, cli);
  registerListen(program, cli);
  registerBootstrap(program);
  registerRotateKey(program);
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
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const cli = new Cli({ ...processIo(), ...io }, argv);
  const program = buildProgram(cli);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return cli.exitCode;
  } catch (e) {
    return failure(cli, e, Boolean(program.opts().json));
  }
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
