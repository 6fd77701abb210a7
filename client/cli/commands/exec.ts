import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { Command } from "commander";
import { awsIamOption, type Cli, scopeLabel, scopeOf, withScope } from "../cli.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { isUnsafeName } from "../unsafe-names.ts";

interface ExecOpts {
  environment: string;
  space?: string;
  only?: string;
  allowUnsafeNames?: boolean;
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** `exec -e E [-s S] [--only A,B] -- cmd args…`: runs cmd with the scope's secrets as environment variables. */
export function registerExec(program: Command, cli: Cli): void {
  withScope(program.command("exec"), "the secrets'")
    .addOption(awsIamOption())
    .description(
      "run a command with the effective secrets as environment variables; exits with its exit code",
    )
    .argument("<command>", "the program to run (after --)")
    .argument("[args...]", "its arguments")
    .option("--only <names>", "inject only these secrets (comma-separated)")
    .option(
      "--allow-unsafe-names",
      "also inject names that change how a process runs (PATH, LD_PRELOAD, NODE_OPTIONS, DYLD_*, BASH_ENV, PYTHONPATH…)",
    )
    .addHelpText(
      "after",
      `
Put -- before the command. Secrets override variables of the same name; SCOPED_SECRETS_TOKEN is not
passed on. Needs a token that may read values (admin or agent).

Examples:
  $ scoped-secrets exec -e us_env_123 -s us_spa_123 -- node worker.js
  $ scoped-secrets exec -e us_env_123 --only SLACK_TOKEN,DB_URL -- ./deploy.sh --prod`,
    )
    .action(async (cmd: string, args: string[], opts: ExecOpts, command: Command) => {
      if (!cli.argv.slice(cli.argv.indexOf("exec")).includes("--"))
        throw new CliError(
          `put -- before the command, so its own options are not read as ours: scoped-secrets exec -e ${opts.environment} -- ${cmd} …`,
          EXIT.usage,
        );
      const client = cli.client(command);
      const secrets = await client.list(scopeOf(opts));
      let chosen = secrets;
      if (opts.only !== undefined) {
        const wanted = opts.only
          .split(",")
          .map((n) => n.trim())
          .filter(Boolean);
        if (!wanted.length) throw new CliError("--only needs at least one secret name", EXIT.usage);
        const missing = wanted.filter((n) => !secrets.some((s) => s.name === n));
        if (missing.length)
          throw new CliError(`not found in ${scopeLabel(opts)}: ${missing.join(", ")}`, EXIT.notFound);
        chosen = secrets.filter((s) => wanted.includes(s.name));
      }
      const unsafe = chosen.filter((s) => isUnsafeName(s.name)).map((s) => s.name);
      if (unsafe.length && !opts.allowUnsafeNames)
        throw new CliError(
          `refusing to set ${unsafe.join(", ")}: these change how the command runs, not what it is configured with. Rename the secret, leave it out with --only, or pass --allow-unsafe-names`,
          EXIT.usage,
        );
      const broken = chosen.filter((s) => s.error).map((s) => s.name);
      if (broken.length)
        throw new CliError(
          `could not decrypt ${broken.join(", ")} (integrity check failed)`,
          EXIT.unavailable,
        );
      if (chosen.some((s) => s.value === undefined))
        throw new CliError("this token may not read values; exec needs an admin or agent token", EXIT.auth);

      const env: Record<string, string | undefined> = { ...cli.io.env };
      delete env.SCOPED_SECRETS_TOKEN;
      for (const s of chosen) env[s.name] = s.value;
      cli.exitCode = await run(cli, cmd, args, env);
    });
}

/** Spawns the command, forwards signals to it, and resolves with its exit code (128+n when a signal ended it). */
function run(
  cli: Cli,
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { io } = cli;
  const inherit = io.stdout === process.stdout && io.stderr === process.stderr;
  const child = spawn(cmd, args, {
    env: env as NodeJS.ProcessEnv,
    cwd: io.cwd,
    stdio: inherit ? "inherit" : ["ignore", "pipe", "pipe"],
  });
  if (!inherit) {
    child.stdout?.on("data", (d: Buffer) => io.stdout.write(d.toString()));
    child.stderr?.on("data", (d: Buffer) => io.stderr.write(d.toString()));
  }
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  return new Promise<number>((resolve, reject) => {
    const done = () => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    };
    child.once("error", (e: NodeJS.ErrnoException) => {
      done();
      reject(
        e.code === "ENOENT"
          ? new CliError(`command not found: ${cmd}`, 127)
          : e.code === "EACCES"
            ? new CliError(`permission denied: ${cmd}`, 126)
            : new CliError(`could not run ${cmd}: ${e.message}`, 126),
      );
    });
    child.once("close", (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
