import type { Command } from "commander";

/** `scoped-secrets bootstrap`: owned by the CDK work (issue 5); registers nothing until it lands. */
export function registerBootstrap(_program: Command): void {}
