import type { Command } from "commander";
import type { CliIo } from "../client/cli/cli.ts";
import { runCli as runClientCli } from "../client/cli/program.ts";
import { registerBootstrap } from "./bootstrap.ts";
import { registerRotateKey } from "./rotate-key.ts";

/**
 * The root package's `scoped-secrets`: the client's HTTP commands plus the ones that work on the table
 * or keys directly, which need the server's code and so never ship in @scoped-secrets/client.
 */
export function registerOps(program: Command): void {
  registerBootstrap(program);
  registerRotateKey(program);
}

/** runCli of the client, with the ops commands added. */
export const runCli = (argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> =>
  runClientCli(argv, io, registerOps);
