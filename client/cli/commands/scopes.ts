import type { Command } from "commander";
import { type Cli, scopeLabel } from "../cli.ts";
import { shortTime, table } from "../table.ts";

/** `env create|ls|rm` and `space create|ls|rm`. */
export function registerScopes(program: Command, cli: Cli): void {
  const env = program
    .command("env")
    .description("manage environments (admin)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ scoped-secrets env create production --id us_env_123\n  $ scoped-secrets env ls",
    );

  env
    .command("create")
    .description("create an environment")
    .argument("<name>", "a display name, e.g. production")
    .option(
      "--id <id>",
      "use this id (1-64 of A-Z a-z 0-9 _ -), e.g. one mirrored from another system; default env_…",
    )
    .addHelpText("after", "\nExample:\n  $ scoped-secrets env create production --id us_env_123")
    .action(async (name: string, opts: { id?: string }, command: Command) => {
      const created = await cli.client(command).environments.create({ name, id: opts.id });
      if (cli.globals(command).json) return cli.json(created);
      cli.out(`Created environment ${created.id} (${created.name})`);
    });

  env
    .command("ls")
    .description("list environments (a non-admin token sees its own)")
    .action(async (_opts: unknown, command: Command) => {
      const list = await cli.client(command).environments.list();
      if (cli.globals(command).json) return cli.json(list);
      if (!list.length) return cli.err("No environments yet: scoped-secrets env create <name>");
      cli.out(
        table(
          ["ID", "NAME", "CREATED"],
          list.map((e) => [e.id, e.name, shortTime(e.createdAt)]),
        ),
      );
    });

  env
    .command("rm")
    .description("delete an empty environment (fails while it has spaces or secrets)")
    .argument("<id>", "the environment id")
    .action(async (id: string, _opts: unknown, command: Command) => {
      await cli.client(command).environments.delete(id);
      if (cli.globals(command).json) return cli.json({ id, deleted: true });
      cli.out(`Deleted environment ${id}`);
    });

  const space = program
    .command("space")
    .description("manage spaces inside an environment (admin, operator)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ scoped-secrets space create acme -e us_env_123 --id us_spa_123\n  $ scoped-secrets space ls -e us_env_123",
    );

  space
    .command("create")
    .description("create a space in an environment")
    .argument("<name>", "a display name, e.g. acme")
    .requiredOption("-e, --environment <id>", "the environment it belongs to")
    .option("--id <id>", "use this id (1-64 of A-Z a-z 0-9 _ -); default sp_…")
    .addHelpText("after", "\nExample:\n  $ scoped-secrets space create acme -e us_env_123 --id us_spa_123")
    .action(async (name: string, opts: { environment: string; id?: string }, command: Command) => {
      const created = await cli
        .client(command)
        .spaces.create({ environmentId: opts.environment, name, id: opts.id });
      if (cli.globals(command).json) return cli.json(created);
      cli.out(
        `Created space ${created.id} (${created.name}) in ${scopeLabel({ environment: opts.environment })}`,
      );
    });

  space
    .command("ls")
    .description("list spaces")
    .option("-e, --environment <id>", "only this environment's spaces (required for non-admin tokens)")
    .action(async (opts: { environment?: string }, command: Command) => {
      const list = await cli.client(command).spaces.list(opts.environment);
      if (cli.globals(command).json) return cli.json(list);
      if (!list.length) return cli.err("No spaces: scoped-secrets space create <name> -e <environment>");
      cli.out(
        table(
          ["ID", "ENVIRONMENT", "NAME", "CREATED"],
          list.map((s) => [s.id, s.environmentId, s.name, shortTime(s.createdAt)]),
        ),
      );
    });

  space
    .command("rm")
    .description("delete a space (fails while it has overrides)")
    .argument("<id>", "the space id")
    .action(async (id: string, _opts: unknown, command: Command) => {
      await cli.client(command).spaces.delete(id);
      if (cli.globals(command).json) return cli.json({ id, deleted: true });
      cli.out(`Deleted space ${id}`);
    });
}
