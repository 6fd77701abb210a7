import type { Command } from "commander";
import { CliError, EXIT } from "../client/cli/exit-codes.ts";
import { RotateKeyError, rotateLocalKey } from "../local/rotate-key.ts";

/**
 * `scoped-secrets rotate-key`: a new local master key, with every stored data key re-wrapped under it. An
 * offline operation: it refuses while a server is using the DATA_DIR.
 */
export function registerRotateKey(program: Command): void {
  program
    .command("rotate-key")
    .description(
      "create a new local master key and re-wrap every stored data key under it (stop the local server first)",
    )
    .option("--data-dir <dir>", "the local server's DATA_DIR", process.env.DATA_DIR ?? ".data")
    .option(
      "--keep-old-key",
      "keep the old key as DATA_DIR/master.key.old-<timestamp> (0600) instead of deleting it",
    )
    .addHelpText(
      "after",
      `
Values themselves are not re-encrypted: each value's data key is unwrapped with the old master key and
wrapped again with the new one. If the rotation is interrupted, master.key is still the old key and
master.key.new the new one; run rotate-key again to finish before starting the server.

Example:
  $ scoped-secrets rotate-key --data-dir .data`,
    )
    .action(async (opts: { dataDir: string; keepOldKey?: boolean }, command: Command) => {
      const output = command.configureOutput();
      const err = (line: string) => (output.writeErr ?? ((s) => process.stderr.write(s)))(`${line}\n`);
      const out = (line: string) => (output.writeOut ?? ((s) => process.stdout.write(s)))(`${line}\n`);
      try {
        const result = await rotateLocalKey({ dataDir: opts.dataDir, keepOldKey: opts.keepOldKey, say: err });
        if (command.optsWithGlobals().json) out(JSON.stringify(result));
        else out(`master key rotated: ${result.oldKeyId} → ${result.newKeyId}`);
      } catch (e) {
        if (e instanceof RotateKeyError) throw new CliError(`rotate-key: ${e.message}`, EXIT.failed);
        throw e;
      }
    });
}
