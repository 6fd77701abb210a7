import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { Secret } from "../../sdk/api-types.ts";
import { SecretsError } from "../../sdk/errors.ts";
import { DEFAULT_REFRESH_MS, type SecretsClient } from "../../sdk/secrets-client.ts";
import { forwardSignals, type RunningChild, startChild, stopChild } from "../child-process.ts";
import { awsIamOption, type Cli, scopeLabel, scopeOf, wholeNumber, withScope } from "../cli.ts";
import {
  ALLOW_FILE,
  type AllowList,
  changedNames,
  describeWithheld,
  type EnvPlan,
  type EnvPolicy,
  isListed,
  planEnv,
  readAllowFile,
} from "../env-policy.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { unsafeReason } from "../unsafe-names.ts";

interface ExecOpts {
  environment: string;
  space?: string;
  only?: string;
  allowFile?: string;
  allowUnsafeNames?: boolean;
  override?: boolean;
  watch?: boolean;
  interval?: number;
  gracePeriod?: number;
}

const DEFAULT_INTERVAL_S = DEFAULT_REFRESH_MS / 1000;
const DEFAULT_GRACE_S = 10;

/** `exec -e E [-s S] [--only A,B] [--watch] -- cmd args…`: runs cmd with the scope's secrets as environment variables. */
export function registerExec(program: Command, cli: Cli): void {
  withScope(program.command("exec"), "the secrets'")
    .addOption(awsIamOption())
    .description(
      "run a command with the effective secrets as environment variables; exits with its exit code",
    )
    .argument("<command>", "the program to run (after --)")
    .argument("[args...]", "its arguments")
    .option("--only <names>", "pass only these secrets (comma-separated; each must exist)")
    .option(
      "--allow-file <path>",
      `pass only secrets listed in this file (default: ./${ALLOW_FILE} when it exists)`,
    )
    .option(
      "--allow-unsafe-names",
      "also pass refused names (GIT_*, NODE_*, LD_*, *_PROXY, PATH…) that --only or the allow file names exactly",
    )
    .option("--override", "let secrets replace variables already set in this environment")
    .option("--watch", "restart the command when the secrets it was given change")
    .option(
      "--interval <seconds>",
      `with --watch: how often to check (default ${DEFAULT_INTERVAL_S})`,
      wholeNumber("--interval", 1),
    )
    .option(
      "--grace-period <seconds>",
      `with --watch: how long a restart waits after SIGTERM before SIGKILL (default ${DEFAULT_GRACE_S})`,
      wholeNumber("--grace-period"),
    )
    .addHelpText(
      "after",
      `
Put -- before the command. SCOPED_SECRETS_TOKEN is not passed on. Needs a token that may read values
(admin or agent).

Withheld (named on stderr, with the reason; never the values):
  - names that make programs run code or send traffic elsewhere: GIT_*, NPM_CONFIG_*, NODE_* (but
    NODE_ENV), PYTHON*, LD_*, DYLD_*, *_PROXY, PATH, HOME, shells' start-up files, pagers, editors…
    (docs/cli.md has the list); pass one on purpose with --only NAME --allow-unsafe-names;
  - names already set in this environment, unless --override;
  - with an allow file (./${ALLOW_FILE}, or --allow-file), names it does not list
    (one NAME or NAME_PREFIX* a line).

With --watch, a change to a secret the command was given restarts it: SIGTERM, then SIGKILL after
the grace period; the new command starts once the old one has exited. Ctrl-C stops it and exits with
its code.

Examples:
  $ scoped-secrets exec -e us_env_123 -s us_spa_123 -- node worker.js
  $ scoped-secrets exec -e us_env_123 --only SLACK_TOKEN,DB_URL -- ./deploy.sh --prod
  $ scoped-secrets exec -e us_env_123 --watch --interval 10 -- node server.js`,
    )
    .action(async (cmd: string, args: string[], opts: ExecOpts, command: Command) => {
      if (!cli.argv.slice(cli.argv.indexOf("exec")).includes("--"))
        throw new CliError(
          `put -- before the command, so its own options are not read as ours: scoped-secrets exec -e ${opts.environment} -- ${cmd} …`,
          EXIT.usage,
        );
      if (!opts.watch && (opts.interval !== undefined || opts.gracePeriod !== undefined))
        throw new CliError("--interval and --grace-period only apply with --watch", EXIT.usage);
      const policy = policyOf(cli, opts);
      const client = cli.client(command);
      const scope = scopeOf(opts);
      const secrets = await client.list(scope);
      if (policy.only) {
        const missing = policy.only.filter((n) => !secrets.some((s) => s.name === n));
        if (missing.length)
          throw new CliError(`not found in ${scopeLabel(opts)}: ${missing.join(", ")}`, EXIT.notFound);
      }
      const plan = checked(planEnv(secrets, policy), secrets);
      const say = (line: string) => cli.err(`scoped-secrets exec: ${line}`);
      for (const line of describeWithheld(plan.withheld)) say(line);
      if (!opts.watch) {
        const child = await startChild(cli, cmd, args, plan.env);
        const unforward = forwardSignals(() => child.process);
        try {
          cli.exitCode = await child.exited;
        } finally {
          unforward();
        }
        return;
      }
      cli.exitCode = await runWatching({
        cli,
        client,
        scope,
        policy,
        cmd,
        args,
        secrets,
        plan,
        say,
        intervalMs: (opts.interval ?? DEFAULT_INTERVAL_S) * 1000,
        graceMs: (opts.gracePeriod ?? DEFAULT_GRACE_S) * 1000,
      });
    });
}

/** The policy from the flags and the allow file; refuses contradictions before anything is read. */
function policyOf(cli: Cli, opts: ExecOpts): EnvPolicy {
  let only: string[] | undefined;
  if (opts.only !== undefined) {
    only = opts.only
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean);
    if (!only.length) throw new CliError("--only needs at least one secret name", EXIT.usage);
  }
  const allowList: AllowList | undefined = opts.allowFile
    ? readAllowFile(resolve(cli.io.cwd, opts.allowFile), true)
    : readAllowFile(join(cli.io.cwd, ALLOW_FILE), false);
  if (allowList) allowList.source = opts.allowFile ?? ALLOW_FILE;
  if (opts.allowUnsafeNames && !only && !allowList)
    throw new CliError(
      `--allow-unsafe-names only passes names you list: add --only NAME,… (or list them in ${ALLOW_FILE})`,
      EXIT.usage,
    );
  const outside = allowList ? (only ?? []).filter((n) => !isListed(allowList, n)) : [];
  if (outside.length)
    throw new CliError(
      `--only names ${outside.join(", ")}, which ${allowList?.source} does not list`,
      EXIT.usage,
    );
  const unsafe = (only ?? []).filter((n) => unsafeReason(n));
  if (unsafe.length && !opts.allowUnsafeNames)
    throw new CliError(
      `--only names ${unsafe.join(", ")}: ${unsafe
        .map((n) => unsafeReason(n))
        .filter(unique)
        .join("; ")}. Add --allow-unsafe-names to pass ${unsafe.length === 1 ? "it" : "them"} on purpose`,
      EXIT.usage,
    );
  return {
    only,
    allowList,
    allowUnsafe: Boolean(opts.allowUnsafeNames),
    override: Boolean(opts.override),
    parentEnv: cli.io.env,
  };
}

const unique = <T>(v: T, i: number, all: T[]) => all.indexOf(v) === i;

/** Fails when a secret to pass on could not be decrypted, or values are hidden from this token. */
function checked(plan: EnvPlan, secrets: readonly Secret[]): EnvPlan {
  const passed = secrets.filter((s) => plan.injected.has(s.name));
  const broken = passed.filter((s) => s.error).map((s) => s.name);
  if (broken.length)
    throw new CliError(`could not decrypt ${broken.join(", ")} (integrity check failed)`, EXIT.unavailable);
  if (passed.some((s) => s.value === undefined))
    throw new CliError("this token may not read values; exec needs an admin or agent token", EXIT.auth);
  return plan;
}

interface WatchRun {
  cli: Cli;
  client: SecretsClient;
  scope: { environmentId: string; spaceId?: string | undefined };
  policy: EnvPolicy;
  cmd: string;
  args: string[];
  secrets: Secret[];
  plan: EnvPlan;
  say: (line: string) => void;
  intervalMs: number;
  graceMs: number;
}

/**
 * Runs the command and restarts it whenever the secrets it was given change, until it exits on its own
 * or a signal stops it; resolves with its exit code. Polls are conditional requests without values; the
 * values are read again only after a poll saw a change.
 */
async function runWatching(run: WatchRun): Promise<number> {
  const { cli, client, say } = run;
  let child: RunningChild = await startChild(cli, run.cmd, run.args, run.plan.env);
  let latest = run.plan;
  let signalled = false;
  const reported = new Set(run.plan.withheld.map((w) => `${w.name}\u0000${w.reason}`));
  let lastProblem: string | undefined;
  const problem = (text: string) => {
    if (text !== lastProblem) say(text);
    lastProblem = text;
  };

  // Changes wait here for the loop below; only the newest matters.
  let queued: EnvPlan | undefined;
  let wake: (() => void) | undefined;
  const changed = () =>
    new Promise<void>((r) => {
      wake = r;
      if (queued) r();
    });

  const watch = client.watch(
    run.scope,
    async () => {
      let next: EnvPlan;
      try {
        const secrets = await client.list(run.scope);
        next = checked(planEnv(secrets, run.policy), secrets);
      } catch (e) {
        problem(`could not read the changed secrets (${messageOf(e)}); the command keeps the values it has`);
        return;
      }
      lastProblem = undefined;
      const fresh = next.withheld.filter((w) => !reported.has(`${w.name}\u0000${w.reason}`));
      for (const w of fresh) reported.add(`${w.name}\u0000${w.reason}`);
      for (const line of describeWithheld(fresh)) say(line);
      if (!changedNames(latest, next).length) return;
      latest = next;
      queued = next;
      wake?.();
    },
    {
      intervalMs: run.intervalMs,
      initial: run.secrets,
      onError: (e) => problem(`could not check for changes (${messageOf(e)}); still watching`),
    },
  );
  let current = run.plan;
  const unforward = forwardSignals(
    () => child.process,
    () => {
      signalled = true;
    },
  );
  try {
    for (;;) {
      const next = await Promise.race([child.exited.then((code) => ({ code })), changed().then(() => ({}))]);
      if ("code" in next) return next.code;
      const plan = queued as EnvPlan;
      queued = undefined;
      const names = changedNames(current, plan);
      if (!names.length) continue;
      say(
        `${names.join(", ")} changed; restarting ${run.cmd} (SIGTERM, then SIGKILL after ${run.graceMs / 1000} s)`,
      );
      const code = await stopChild(child, run.graceMs, () =>
        say(`${run.cmd} did not stop within ${run.graceMs / 1000} s; sending SIGKILL`),
      );
      if (signalled) return code;
      child = await startChild(cli, run.cmd, run.args, plan.env);
      current = plan;
    }
  } finally {
    watch.stop();
    unforward();
  }
}

const messageOf = (e: unknown) => (e instanceof SecretsError || e instanceof Error ? e.message : String(e));
