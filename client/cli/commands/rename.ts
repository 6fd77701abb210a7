import type { Command } from "commander";
import type { Cli } from "../cli.ts";

/** `env rename <id> <name>` and `space rename <id> <name>`, added to the `env` and `space` groups. */
export function registerRenames(program: Command, cli: Cli): void {
  const group = (name: string) => {
    const found = program.commands.find((c) => c.name() === name);
    if (!found) throw new Error(`register the ${name} commands before their rename`);
    return found;
  };

  group("env")
    .command("rename")
    .description("give an environment a new display name (its id never changes)")
    .argument("<id>", "the environment id")
    .argument("<name>", "the new display name")
    .addHelpText("after", '\nExample:\n  $ scoped-secrets env rename us_env_123 "US production"')
    .action(async (id: string, name: string, _opts: unknown, command: Command) => {
      const env = await cli.client(command).environments.rename(id, name);
      if (cli.globals(command).json) return cli.json(env);
      cli.out(`Renamed environment ${env.id} to ${JSON.stringify(env.name)}`);
    });

  group("space")
    .command("rename")
    .description("give a space a new display name (its id never changes)")
    .argument("<id>", "the space id")
    .argument("<name>", "the new display name")
    .addHelpText("after", "\nExample:\n  $ scoped-secrets space rename us_spa_123 Acme")
    .action(async (id: string, name: string, _opts: unknown, command: Command) => {
      const space = await cli.client(command).spaces.rename(id, name);
      if (cli.globals(command).json) return cli.json(space);
      cli.out(
        `Renamed space ${space.id} (environment ${space.environmentId}) to ${JSON.stringify(space.name)}`,
      );
    });
}
