import { type Command, Option } from "commander";
import type { Cli } from "../cli.ts";
import { shortTime, table } from "../table.ts";

/** `token create|ls|rm` (admin). */
export function registerTokens(program: Command, cli: Cli): void {
  const token = program
    .command("token")
    .description("manage API tokens (admin)")
    .addHelpText(
      "after",
      `
Roles: admin (everything), operator (writes secrets in its environment, never reads values),
agent (reads values in its environment or space; what listeners use).

Examples:
  $ scoped-secrets token create --name slack-agent --role agent -e us_env_123
  $ scoped-secrets token ls
  $ scoped-secrets token rm tok_01J…`,
    );

  token
    .command("create")
    .description("create a token; the token is printed once, alone on stdout")
    .requiredOption("--name <name>", "what the token is for, e.g. slack-agent")
    .addOption(
      new Option("--role <role>", "what it may do")
        .choices(["admin", "operator", "agent"])
        .makeOptionMandatory(),
    )
    .option("-e, --environment <id>", "bind it to this environment (required for operator and agent)")
    .option("-s, --space <id>", "bind it to one space of that environment")
    .option("--expires-at <iso>", "expiry, e.g. 2030-01-01T00:00:00Z")
    .addHelpText(
      "after",
      "\nExample:\n  $ export SCOPED_SECRETS_TOKEN=$(scoped-secrets token create --name ci --role agent -e us_env_123)",
    )
    .action(
      async (
        opts: {
          name: string;
          role: "admin" | "operator" | "agent";
          environment?: string;
          space?: string;
          expiresAt?: string;
        },
        command: Command,
      ) => {
        const created = await cli.client(command).tokens.create({
          name: opts.name,
          role: opts.role,
          ...(opts.environment ? { environmentId: opts.environment } : {}),
          ...(opts.space ? { spaceId: opts.space } : {}),
          ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}),
        });
        if (cli.globals(command).json) return cli.json(created);
        const bound = created.spaceId
          ? ` in space ${created.spaceId} of environment ${created.environmentId}`
          : created.environmentId
            ? ` in environment ${created.environmentId}`
            : "";
        cli.err(
          `Created ${created.role} token ${created.id} (${created.name})${bound}. It is shown once; store it now:`,
        );
        cli.out(created.token);
      },
    );

  token
    .command("ls")
    .description("list tokens (never the token strings)")
    .action(async (_opts: unknown, command: Command) => {
      const list = await cli.client(command).tokens.list();
      if (cli.globals(command).json) return cli.json(list);
      cli.out(
        table(
          ["ID", "NAME", "ROLE", "ENVIRONMENT", "SPACE", "EXPIRES", "LAST USED", "REVOKED"],
          list.map((t) => [
            t.id,
            t.name,
            t.role,
            t.environmentId,
            t.spaceId,
            shortTime(t.expiresAt),
            shortTime(t.lastUsedAt),
            shortTime(t.revokedAt),
          ]),
        ),
      );
    });

  token
    .command("rm")
    .description("revoke a token")
    .argument("<id>", "the token id (tok_…), from token ls")
    .action(async (id: string, _opts: unknown, command: Command) => {
      await cli.client(command).tokens.revoke(id);
      if (cli.globals(command).json) return cli.json({ id, revoked: true });
      cli.out(`Revoked token ${id}`);
    });
}
