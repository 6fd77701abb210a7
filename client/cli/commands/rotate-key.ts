import type { Command } from "commander";

/** `scoped-secrets rotate-key`: owned by the security work (issue 9); registers nothing until it lands. */
export function registerRotateKey(_program: Command): void {}
