import type { Command } from "commander";
import type { AuditEvent } from "../../sdk/api-types.ts";
import { type Cli, wholeNumber } from "../cli.ts";
import { shortTime, table } from "../table.ts";

const DEFAULT_LIMIT = 50;
/** The API's largest page. */
const MAX_PAGE = 1000;

/** `audit [-e <environmentId>] [--limit n]`: newest first, following the cursor; events never hold values. */
export function registerAudit(program: Command, cli: Cli): void {
  program
    .command("audit")
    .description("who changed or revealed what, newest first (admin, operator); never values")
    .option(
      "-e, --environment <id>",
      "this environment's events (default: an operator's own; for an admin, events outside any environment, e.g. tokens)",
    )
    .option("--limit <n>", `at most n events (default ${DEFAULT_LIMIT})`, wholeNumber("--limit", 1))
    .addHelpText(
      "after",
      "\nExamples:\n  $ scoped-secrets audit -e us_env_123\n  $ scoped-secrets audit -e us_env_123 --limit 500 --json",
    )
    .action(async (opts: { environment?: string; limit?: number }, command: Command) => {
      const client = cli.client(command);
      const limit = opts.limit ?? DEFAULT_LIMIT;
      const events: AuditEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.audit({
          ...(opts.environment ? { environmentId: opts.environment } : {}),
          ...(cursor ? { cursor } : {}),
          limit: Math.min(MAX_PAGE, limit - events.length),
        });
        events.push(...page.items.slice(0, limit - events.length));
        cursor = page.cursor;
      } while (cursor && events.length < limit);
      if (cli.globals(command).json) return cli.json(events);
      if (!events.length) return cli.err("No audit events yet");
      cli.out(
        table(
          ["TIME", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL"],
          events.map((e) => [
            shortTime(e.at),
            e.actor.name || e.actor.tokenId,
            e.action,
            targetLabel(e.target),
            e.outcome,
            e.detail,
          ]),
        ),
      );
      if (cursor)
        cli.err(`Showing the newest ${events.length}; there are older events (--limit to see more)`);
    });
}

/** "secret SLACK_TOKEN (space us_spa_123)", "space Acme", "token ci". */
function targetLabel(t: AuditEvent["target"]): string {
  const where = t.type !== "space" && t.spaceId ? ` (space ${t.spaceId})` : "";
  return `${t.type} ${t.name ?? t.id}${where}`;
}
