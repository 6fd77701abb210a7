import { type Command, Option } from "commander";
import { type Cli, wholeNumber } from "../cli.ts";
import { shortTime, table } from "../table.ts";

/** `aws-identity add|ls|rm` (admin): which IAM roles may log in with --aws-iam, as what, where. */
export function registerAwsIdentities(program: Command, cli: Cli): void {
  const group = program
    .command("aws-identity")
    .description("bind IAM roles that agents log in with (--aws-iam, awsIam()) (admin)")
    .addHelpText(
      "after",
      `
A binding lets a process holding that IAM role (a Lambda function's, an ECS task's) log in with
a signed sts:GetCallerIdentity and get a short-lived token with the binding's role and scope.

Examples:
  $ scoped-secrets aws-identity add arn:aws:iam::123456789012:role/billing-agent --name billing -e us_env_123
  $ scoped-secrets aws-identity ls
  $ scoped-secrets aws-identity rm awsid_01J…`,
    );

  group
    .command("add")
    .description("bind an IAM role ARN (path allowed) to a role and scope")
    .argument("<role-arn>", "arn:aws:iam::<account>:role/<optional/path/><name>")
    .requiredOption("--name <name>", "what the binding is for")
    .addOption(
      new Option("--role <role>", "what its logins may do").choices(["agent", "operator"]).default("agent"),
    )
    .requiredOption("-e, --environment <id>", "the environment its logins are bound to")
    .option("-s, --space <id>", "bind logins to one space of that environment")
    .option(
      "--ttl <seconds>",
      "lifetime of each login's token, 60-3600 (default 900)",
      wholeNumber("--ttl", 60),
    )
    .action(
      async (
        principalArn: string,
        opts: { name: string; role: "agent" | "operator"; environment: string; space?: string; ttl?: number },
        command: Command,
      ) => {
        const created = await cli.client(command).awsIdentities.create({
          name: opts.name,
          principalArn,
          role: opts.role,
          environmentId: opts.environment,
          ...(opts.space ? { spaceId: opts.space } : {}),
          ...(opts.ttl ? { tokenTtlSeconds: opts.ttl } : {}),
        });
        if (cli.globals(command).json) return cli.json(created);
        const where = created.spaceId
          ? `space ${created.spaceId} of environment ${created.environmentId}`
          : `environment ${created.environmentId}`;
        cli.out(`Bound ${created.canonicalArn} as ${created.role} in ${where} (${created.id})`);
      },
    );

  group
    .command("ls")
    .description("list bindings")
    .action(async (_opts: unknown, command: Command) => {
      const list = await cli.client(command).awsIdentities.list();
      if (cli.globals(command).json) return cli.json(list);
      cli.out(
        table(
          ["ID", "NAME", "ROLE ARN", "ROLE", "ENVIRONMENT", "SPACE", "TTL", "CREATED"],
          list.map((b) => [
            b.id,
            b.name,
            b.principalArn,
            b.role,
            b.environmentId,
            b.spaceId,
            `${b.tokenTtlSeconds}s`,
            shortTime(b.createdAt),
          ]),
        ),
      );
    });

  group
    .command("rm")
    .description("delete a binding: no new logins (tokens already issued run until they expire)")
    .argument("<id>", "the binding id (awsid_…), from aws-identity ls")
    .action(async (id: string, _opts: unknown, command: Command) => {
      await cli.client(command).awsIdentities.delete(id);
      if (cli.globals(command).json) return cli.json({ id, deleted: true });
      cli.out(
        `Deleted binding ${id}; its tokens already issued expire on their own (or revoke them: token ls)`,
      );
    });
}
