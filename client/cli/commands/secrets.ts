import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import type { Command } from "commander";
import type { Secret } from "../../sdk/api-types.ts";
import { awsIamOption, type Cli, readAll, scopeLabel, scopeOf, wholeNumber, withScope } from "../cli.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { shortTime, table } from "../table.ts";

interface ScopeOpts {
  environment: string;
  space?: string;
}

/** Where a secret's effective value comes from, for humans. */
export function sourceOf(s: Secret): string {
  if (s.spaceId === null) return s.inherited ? "inherited" : "environment";
  return s.overridden ? "space (override)" : "space";
}

const withoutValue = ({ value: _v, ...rest }: Secret) => rest;

/** `set`, `get`, `ls`, `rm`, `history`, `rollback`. */
export function registerSecrets(program: Command, cli: Cli): void {
  withScope(program.command("set"))
    .description(
      "create or update a secret; the value comes from stdin or --from-file, never the command line",
    )
    .argument("<name>", "the secret's name, e.g. SLACK_TOKEN")
    .option("--from-file <path>", "read the value from this file, byte for byte (e.g. a PEM key)")
    .option(
      "--expected-version <n>",
      "only write if the current version is n (0: create only)",
      wholeNumber("--expected-version"),
    )
    .addHelpText(
      "after",
      `
Reads the value from stdin (one trailing newline is dropped) or, on a terminal, asks for it without echo.

Examples:
  $ printf %s "$TOKEN" | scoped-secrets set SLACK_TOKEN -e us_env_123
  $ scoped-secrets set SLACK_TOKEN -e us_env_123 -s us_spa_123 < token.txt
  $ scoped-secrets set SIGNING_KEY -e us_env_123 --from-file key.pem`,
    )
    .action(
      async (
        name: string,
        opts: ScopeOpts & { fromFile?: string; expectedVersion?: number },
        command: Command,
      ) => {
        const client = cli.client(command);
        const value = opts.fromFile ? await readValueFile(opts.fromFile) : await readValueStdin(cli, name);
        if (!value) throw new CliError("the value is empty; a secret holds 1 byte to 64 KiB", EXIT.usage);
        const { secret, created } = await client.set({
          name,
          value,
          environmentId: opts.environment,
          ...(opts.space ? { spaceId: opts.space } : {}),
          ...(opts.expectedVersion !== undefined ? { expectedVersion: opts.expectedVersion } : {}),
        });
        if (cli.globals(command).json) return cli.json({ ...withoutValue(secret), created });
        cli.out(
          `${created ? "Created" : "Updated"} ${name} in ${scopeLabel(opts)} (version ${secret.version})`,
        );
      },
    );

  withScope(program.command("get"))
    .addOption(awsIamOption())
    .description("print a secret's effective value (a space's override, else its environment's)")
    .argument("<name>", "the secret's name")
    .addHelpText(
      "after",
      "\nPrints the value exactly as stored when piped. Needs a token that may read values (admin or agent); admin reads are audited.\n\nExamples:\n  $ scoped-secrets get SLACK_TOKEN -e us_env_123\n  $ scoped-secrets get SLACK_TOKEN -e us_env_123 -s us_spa_123 --json",
    )
    .action(async (name: string, opts: ScopeOpts, command: Command) => {
      const secret = await cli.client(command).get(name, scopeOf(opts));
      if (secret.value === undefined)
        throw new CliError(
          `this token may not read values (operators set, never see); ${name} exists in ${scopeLabel(opts)}`,
          EXIT.auth,
        );
      if (cli.globals(command).json) return cli.json(secret);
      // Byte for byte when piped (`get KEY > key.pem`); a newline only to keep a terminal prompt tidy.
      const tidy = cli.io.stdout.isTTY && !secret.value.endsWith("\n");
      cli.io.stdout.write(tidy ? `${secret.value}\n` : secret.value);
    });

  withScope(program.command("ls"), "the")
    .addOption(awsIamOption())
    .description("list the effective secrets of an environment or space (values hidden unless --reveal)")
    .option("--reveal", "show values (admin and agent tokens; admin reads are audited)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ scoped-secrets ls -e us_env_123\n  $ scoped-secrets ls -e us_env_123 -s us_spa_123 --reveal",
    )
    .action(async (opts: ScopeOpts & { reveal?: boolean }, command: Command) => {
      const secrets = await cli.client(command).list(scopeOf(opts), { reveal: Boolean(opts.reveal) });
      const hidden = opts.reveal && secrets.some((s) => s.value === undefined && !s.error);
      if (hidden) cli.err("warning: this token may not read values; they stay hidden");
      if (cli.globals(command).json) return cli.json(secrets);
      if (!secrets.length) return cli.err(`No secrets in ${scopeLabel(opts)}`);
      const header = ["NAME", "SOURCE", "VERSION", "UPDATED", "VALUE"];
      cli.out(
        table(
          header,
          secrets.map((s) => [
            s.name,
            sourceOf(s),
            s.version,
            shortTime(s.updatedAt),
            s.error
              ? `(${s.error.message})`
              : opts.reveal && s.value !== undefined
                ? JSON.stringify(s.value)
                : "••••••",
          ]),
        ),
      );
    });

  withScope(program.command("rm"))
    .description(
      "remove a secret's value at this scope (history is kept; a removed override lets the environment's show)",
    )
    .argument("<name>", "the secret's name")
    .addHelpText(
      "after",
      "\nExamples:\n  $ scoped-secrets rm SLACK_TOKEN -e us_env_123 -s us_spa_123\n  $ scoped-secrets rm OLD_KEY -e us_env_123",
    )
    .action(async (name: string, opts: ScopeOpts, command: Command) => {
      const result = await cli.client(command).delete({ name, ...scopeOf(opts) });
      if (cli.globals(command).json) return cli.json({ name, ...result, deleted: true });
      cli.out(
        `Removed ${name} from ${scopeLabel(opts)}; its history is kept (scoped-secrets history ${name})`,
      );
    });

  withScope(program.command("history"))
    .description("list a secret's versions at this scope, newest first (no values)")
    .argument("<name>", "the secret's name")
    .addHelpText("after", "\nExample:\n  $ scoped-secrets history SLACK_TOKEN -e us_env_123")
    .action(async (name: string, opts: ScopeOpts, command: Command) => {
      const versions = await cli.client(command).versions({ name, ...scopeOf(opts) });
      if (cli.globals(command).json) return cli.json(versions);
      cli.out(
        table(
          ["VERSION", "KIND", "CREATED", "BY"],
          versions.map((v) => [
            v.version,
            v.kind === "tombstone" ? "deletion" : v.rollbackOf ? `rollback to v${v.rollbackOf}` : "value",
            shortTime(v.createdAt),
            v.createdByName ?? v.createdBy,
          ]),
        ),
      );
    });

  withScope(program.command("rollback"))
    .description("write a new version holding an earlier version's value")
    .argument("<name>", "the secret's name")
    .argument("<version>", "the version whose value to restore", wholeNumber("version", 1))
    .addHelpText("after", "\nExample:\n  $ scoped-secrets rollback SLACK_TOKEN 2 -e us_env_123")
    .action(async (name: string, version: number, opts: ScopeOpts, command: Command) => {
      const secret = await cli.client(command).rollback({ name, ...scopeOf(opts) }, version);
      if (cli.globals(command).json) return cli.json(withoutValue(secret));
      cli.out(`Rolled ${name} back to version ${version}'s value, as version ${secret.version}`);
    });
}

async function readValueFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new CliError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      EXIT.usage,
    );
  }
}

/** Piped stdin (minus one trailing newline, so `echo` works), or a hidden prompt on a terminal. */
async function readValueStdin(cli: Cli, name: string): Promise<string> {
  const { stdin } = cli.io;
  if (!stdin.isTTY) return (await readAll(stdin)).replace(/\r?\n$/, "");
  cli.io.stderr.write(
    `Value for ${name} (input hidden, Enter to finish; use --from-file for several lines): `,
  );
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((ok) => rl.question("", ok));
  } finally {
    rl.close();
    cli.io.stderr.write("\n");
  }
}
