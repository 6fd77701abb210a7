import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { awsIam } from "../sdk/aws-iam.ts";
import { isLoopbackUrl } from "../sdk/http.ts";
import { authModeFromEnv, SecretsClient, type SecretsClientOptions } from "../sdk/secrets-client.ts";
import { CliError, EXIT } from "./exit-codes.ts";

/** Something the CLI writes to (process.stdout, or a test's buffer). */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
}

/** Everything the CLI touches outside itself, injectable for in-process tests. */
export interface CliIo {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean | undefined };
  env: Record<string, string | undefined>;
  cwd: string;
  fetch: typeof fetch;
}

export const DEFAULT_URL = "http://127.0.0.1:8787";

export interface GlobalOptions {
  url?: string | undefined;
  json?: boolean | undefined;
  /** Set by commands that take --aws-iam. */
  awsIam?: boolean | undefined;
}

/** Per-run state shared by the commands: io, configuration, the exit code. */
export class Cli {
  exitCode: number = EXIT.ok;

  constructor(
    readonly io: CliIo,
    /** The arguments as given (exec checks for its `--`). */
    readonly argv: readonly string[] = [],
  ) {}

  globals(command: Command): GlobalOptions {
    return command.optsWithGlobals() as GlobalOptions;
  }

  /** The service URL and token: --url / SCOPED_SECRETS_URL / local default; SCOPED_SECRETS_TOKEN / DATA_DIR/admin-token. */
  config(command: Command): { url: string; token: string | undefined; tokenHint: string } {
    const env = this.io.env;
    const url = this.globals(command).url ?? env.SCOPED_SECRETS_URL ?? DEFAULT_URL;
    if (env.SCOPED_SECRETS_TOKEN)
      return { url, token: env.SCOPED_SECRETS_TOKEN, tokenHint: "SCOPED_SECRETS_TOKEN" };
    const dataDir = env.DATA_DIR || ".data";
    const file = isAbsolute(dataDir)
      ? join(dataDir, "admin-token")
      : join(this.io.cwd, dataDir, "admin-token");
    // The local admin token only ever goes to a server on this machine.
    if (!isLoopback(url))
      return {
        url,
        token: undefined,
        tokenHint: `set SCOPED_SECRETS_TOKEN (${file} is only used for a server on this machine)`,
      };
    return {
      url,
      token: readToken(file),
      tokenHint: `set SCOPED_SECRETS_TOKEN, or start the local server (npm start) so that ${file} exists`,
    };
  }

  /** A client for the configured service; fails with exit code 4 when there is no token. */
  client(command: Command, options: Partial<SecretsClientOptions> = {}): SecretsClient {
    let mode: "token" | "aws-iam";
    try {
      mode = authModeFromEnv(this.io.env);
    } catch (e) {
      throw new CliError((e as Error).message, EXIT.usage);
    }
    if (this.globals(command).awsIam || mode === "aws-iam") return this.awsIamClient(command, options);
    const { url, token, tokenHint } = this.config(command);
    if (!token) throw new CliError(`no token: ${tokenHint}`, EXIT.auth);
    try {
      return new SecretsClient({
        baseUrl: url,
        token,
        fetch: this.io.fetch,
        env: {},
        allowInsecureHttp: this.allowInsecureHttp(),
        ...options,
      });
    } catch (e) {
      throw new CliError(`${(e as Error).message} (got ${JSON.stringify(url)})`, EXIT.usage);
    }
  }

  /** --aws-iam: tokens from POST /v1/auth/aws, signed with this machine's AWS identity; no SCOPED_SECRETS_TOKEN. */
  private awsIamClient(command: Command, options: Partial<SecretsClientOptions>): SecretsClient {
    const env = this.io.env;
    const url = this.globals(command).url ?? env.SCOPED_SECRETS_URL ?? DEFAULT_URL;
    const dataDir = env.DATA_DIR || ".data";
    const idFile = isAbsolute(dataDir) ? join(dataDir, "server-id") : join(this.io.cwd, dataDir, "server-id");
    // Like the admin token: a local server's id file is only used for a server on this machine.
    const serverId = env.SCOPED_SECRETS_SERVER_ID ?? (isLoopback(url) ? readToken(idFile) : undefined);
    if (!serverId)
      throw new CliError(
        `--aws-iam needs the server's id: set SCOPED_SECRETS_SERVER_ID (the stack's ServerId output${isLoopback(url) ? `, or ${idFile} of a local server` : ""})`,
        EXIT.auth,
      );
    const credentials = env.AWS_ACCESS_KEY_ID
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
          sessionToken: env.AWS_SESSION_TOKEN,
        }
      : undefined;
    try {
      const auth = awsIam({ serverId, env, credentials });
      return new SecretsClient({
        baseUrl: url,
        auth,
        fetch: this.io.fetch,
        env: {},
        allowInsecureHttp: this.allowInsecureHttp(),
        ...options,
      });
    } catch (e) {
      throw new CliError(`${(e as Error).message} (got ${JSON.stringify(url)})`, EXIT.usage);
    }
  }

  /** SCOPED_SECRETS_ALLOW_HTTP=1: a token or a signed login may go over plain http:// to another host. */
  private allowInsecureHttp(): boolean {
    return ["1", "true"].includes(this.io.env.SCOPED_SECRETS_ALLOW_HTTP ?? "");
  }

  out(line = ""): void {
    this.io.stdout.write(`${line}\n`);
  }

  err(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}

/** A URL on this machine (localhost, 127.0.0.0/8, ::1): the SDK's own test. */
export const isLoopback = isLoopbackUrl;

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Reads a whole stream as UTF-8. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** `{ environmentId, spaceId }` from -e/-s. */
export const scopeOf = (opts: { environment: string; space?: string | undefined }) => ({
  environmentId: opts.environment,
  spaceId: opts.space,
});

/** "environment E" or "space S of environment E". */
export const scopeLabel = (opts: { environment: string; space?: string | undefined }) =>
  opts.space ? `space ${opts.space} of environment ${opts.environment}` : `environment ${opts.environment}`;

/** Adds -e/--environment (required) and -s/--space. */
export function withScope(command: Command, what = "the secret's"): Command {
  return command
    .requiredOption("-e, --environment <id>", `${what} environment id`)
    .option("-s, --space <id>", `${what} space id (default: the environment itself)`);
}

/** `--aws-iam`, shared by the commands an agent runs (get, ls, exec, export, listen). */
export const awsIamOption = () =>
  new Option(
    "--aws-iam",
    "log in with this machine's AWS identity (its IAM role) instead of a token; needs SCOPED_SECRETS_SERVER_ID",
  );

/** A commander parser for whole numbers ≥ min. */
export const wholeNumber =
  (what: string, min = 0) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${what} must be a whole number${min ? ` of at least ${min}` : ""}.`);
    return n;
  };
