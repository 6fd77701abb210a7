import { randomBytes } from "node:crypto";
import { lstat, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Command, Option } from "commander";
import { SECRET_NAME_PATTERN } from "../../sdk/api-types.ts";
import { awsIamOption, type Cli, readAll, scopeLabel, scopeOf, withScope } from "../cli.ts";
import { DotenvError, formatDotenv, parseDotenv } from "../dotenv.ts";
import { CliError, EXIT } from "../exit-codes.ts";

interface ScopeOpts {
  environment: string;
  space?: string;
}

type Format = "dotenv" | "json";

/** `import <file>` and `export`. */
export function registerTransfer(program: Command, cli: Cli): void {
  withScope(program.command("import"), "the target")
    .description("set every secret of a .env (or JSON) file in an environment or space")
    .argument("<file>", 'a .env file, a JSON object of NAME: "value", or - for stdin')
    .addOption(
      new Option("--format <format>", "the file's format (default: json for *.json, else dotenv)").choices([
        "dotenv",
        "json",
      ]),
    )
    .addHelpText(
      "after",
      `
The whole file is checked before anything is written. No \${VAR} expansion: $ is literal.
Multi-line values (PEM keys) go in '…' or "…" quotes; see docs/cli.md for the format.

Examples:
  $ scoped-secrets import .env -e us_env_123
  $ scoped-secrets export -e us_env_123 | scoped-secrets import - -e us_env_456`,
    )
    .action(async (file: string, opts: ScopeOpts & { format?: Format }, command: Command) => {
      const client = cli.client(command);
      const text = file === "-" ? await readAll(cli.io.stdin) : await readInput(file);
      const format = opts.format ?? (file.endsWith(".json") ? "json" : "dotenv");
      const entries = parseEntries(text, format, file);
      const created: string[] = [];
      const updated: string[] = [];
      for (const { name, value } of entries) {
        try {
          const result = await client.set({
            name,
            value,
            environmentId: opts.environment,
            ...(opts.space ? { spaceId: opts.space } : {}),
          });
          (result.created ? created : updated).push(name);
        } catch (e) {
          const done = created.length + updated.length;
          if (done) cli.err(`${done} of ${entries.length} secrets were written before ${name} failed`);
          throw e;
        }
      }
      if (cli.globals(command).json) return cli.json({ created, updated });
      cli.out(
        `Imported ${entries.length} secret${entries.length === 1 ? "" : "s"} into ${scopeLabel(opts)} (${created.length} created, ${updated.length} updated)`,
      );
    });

  withScope(program.command("export"), "the")
    .addOption(awsIamOption())
    .description("print the effective secrets of an environment or space as .env or JSON, with values")
    .addOption(new Option("--format <format>", "output format").choices(["dotenv", "json"]).default("dotenv"))
    .option("-o, --output <file>", "write to this file (mode 0600) instead of stdout")
    .addHelpText(
      "after",
      `
Needs a token that may read values (admin or agent). The output round-trips through import exactly.

Examples:
  $ scoped-secrets export -e us_env_123 -s us_spa_123 > acme.env
  $ scoped-secrets export -e us_env_123 --format json -o secrets.json`,
    )
    .action(async (opts: ScopeOpts & { format: Format; output?: string }, command: Command) => {
      const secrets = await cli.client(command).list(scopeOf(opts));
      const broken = secrets.filter((s) => s.error).map((s) => s.name);
      if (broken.length)
        throw new CliError(
          `could not decrypt ${broken.join(", ")} (integrity check failed); nothing exported`,
          EXIT.unavailable,
        );
      if (secrets.some((s) => s.value === undefined))
        throw new CliError("this token may not read values; export needs an admin or agent token", EXIT.auth);
      const entries = secrets.map((s) => ({ name: s.name, value: s.value as string }));
      const text =
        opts.format === "json"
          ? `${JSON.stringify(Object.fromEntries(entries.map((e) => [e.name, e.value])), null, 2)}\n`
          : formatDotenv(entries, `scoped-secrets export of ${scopeLabel(opts)}`);
      if (!opts.output) return void cli.io.stdout.write(text);
      await writePrivateFile(opts.output, text);
      cli.err(`Wrote ${entries.length} secrets to ${opts.output} (mode 0600)`);
    });
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw new CliError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      EXIT.usage,
    );
  }
}

/** Every entry, checked: valid names, non-empty values, no name twice. */
function parseEntries(text: string, format: Format, file: string): Array<{ name: string; value: string }> {
  let entries: Array<{ name: string; value: string; where: string }>;
  try {
    if (format === "json") {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new CliError(`${file}: expected a JSON object of NAME: "value"`, EXIT.usage);
      entries = Object.entries(parsed).map(([name, value]) => {
        if (typeof value !== "string") throw new CliError(`${file}: ${name} must be a string`, EXIT.usage);
        return { name, value, where: name };
      });
    } else {
      entries = parseDotenv(text).map((e) => ({ ...e, where: `line ${e.line}` }));
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (e instanceof DotenvError) throw new CliError(`${file}: ${e.message}`, EXIT.usage);
    // JSON.parse quotes the text around the error, which may be a value: say only where to look.
    if (e instanceof SyntaxError) throw new CliError(`${file} is not valid JSON`, EXIT.usage);
    throw e;
  }
  const seen = new Map<string, string>();
  for (const e of entries) {
    if (!SECRET_NAME_PATTERN.test(e.name))
      throw new CliError(
        `${file} ${e.where}: ${e.name} is not a valid secret name (letters, digits and _, not starting with a digit)`,
        EXIT.usage,
      );
    if (!e.value)
      throw new CliError(
        `${file} ${e.where}: ${e.name} has an empty value; a secret holds 1 byte to 64 KiB`,
        EXIT.usage,
      );
    const first = seen.get(e.name);
    if (first) throw new CliError(`${file}: ${e.name} appears twice (${first} and ${e.where})`, EXIT.usage);
    seen.set(e.name, e.where);
  }
  if (!entries.length) throw new CliError(`${file} has no secrets`, EXIT.usage);
  return entries.map(({ name, value }) => ({ name, value }));
}

/**
 * Writes values to `path` without ever exposing them: a new file created 0600 next to the target (never an
 * existing file with its old mode), synced, then renamed over the target. A symlink at the target is
 * refused, and rename never writes through one anyway.
 */
async function writePrivateFile(path: string, text: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isSymbolicLink())
    throw new CliError(
      `${path} is a symbolic link; refusing to write secrets through it. Pass the real path or remove the link`,
      EXIT.usage,
    );
  if (existing?.isDirectory()) throw new CliError(`${path} is a directory; pass a file name`, EXIT.usage);
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // "wx": a new file only; the mode applies because the file is created here.
    handle = await open(temp, "wx", 0o600);
    await handle.writeFile(text, "utf8");
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    if (e instanceof CliError) throw e;
    throw new CliError(
      `could not write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      EXIT.usage,
    );
  }
}
