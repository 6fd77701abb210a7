import type { Command } from "commander";
import { DEFAULT_STACK_NAME } from "../infra/names.ts";
import type { BootstrapCliOptions } from "./bootstrap-run.ts";

/** `scoped-secrets bootstrap`: the first admin token of a cloud deployment, made with your AWS credentials. */
export function registerBootstrap(program: Command): void {
  program
    .command("bootstrap")
    .description(
      "create an admin token directly in the deployed table, using your AWS credentials (first token, or a lost one)",
    )
    .option("--stack <name>", "the CloudFormation stack to read the table name from", DEFAULT_STACK_NAME)
    .option("--table <name>", "the DynamoDB table (skips the stack lookup)")
    .option("--region <region>", "AWS region (default: your AWS configuration)")
    .option("--name <name>", "a name for the token", "bootstrap admin")
    .option("--endpoint-url <url>", "a DynamoDB-compatible endpoint instead of AWS (testing)")
    .action(async (options: BootstrapCliOptions, command: Command) => {
      try {
        // Loaded on use: the AWS SDK clients would slow every other command's start-up.
        const { runBootstrap } = await import("./bootstrap-run.ts");
        await runBootstrap(options, {
          out: (line) => process.stdout.write(`${line}\n`),
          err: (line) => process.stderr.write(`${line}\n`),
        });
      } catch (e) {
        const message =
          e instanceof Error && e.name !== "Error" ? e.message : String((e as Error)?.message ?? e);
        command.error(`bootstrap failed: ${message}`, { exitCode: 1 });
      }
    });
}
