import { resolve } from "node:path";
import { CloudStartupError, startCloudPath } from "./cloud-path.ts";
import { MOTO_INSTALL } from "./moto.ts";

/** `npm run start:cloud`: PORT (8788), HOST (127.0.0.1), DATA_DIR (.data-cloud), as `npm start`. */
const port = Number(process.env.PORT ?? 8788);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a whole number from 0 to 65535, not "${process.env.PORT}"`);
  process.exit(2);
}
const dataDir = resolve(process.env.DATA_DIR ?? ".data-cloud");
const started = Date.now();

try {
  const cloud = await startCloudPath({ port, host: process.env.HOST ?? "127.0.0.1", dataDir });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping the gateway, the workers, DynamoDB Local and moto…\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await cloud.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  const say = (m: string) => process.stderr.write(`${m}\n`);
  say(
    `\nscoped-secrets (cloud path) listening on ${cloud.url} — ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (cloud.firstAdminToken) {
    say("First start: created an admin token. It is shown once, below, and saved (0600) to");
    say(`  ${resolve(dataDir, "admin-token")}`);
    process.stdout.write(`${cloud.firstAdminToken}\n`);
  } else {
    say(`Admin token: in ${resolve(dataDir, "admin-token")} (created on the first start).`);
  }
  say(
    `Use it: export SCOPED_SECRETS_URL=${cloud.url} SCOPED_SECRETS_TOKEN=$(cat ${resolve(dataDir, "admin-token")})`,
  );
  if (cloud.serverId)
    say(
      `AWS logins (--aws-iam): server id ${cloud.serverId}, verified with moto's STS at ${cloud.sts.endpoint} (it checks no signature)`,
    );
  say(`Function and access logs: ${resolve(dataDir, "logs")}/. Ctrl-C stops everything this started.`);
} catch (e) {
  if (e instanceof CloudStartupError) {
    console.error(`scoped-secrets start:cloud cannot run here:\n${e.message}`);
    if (e.message.includes("moto")) console.error(`(moto: ${MOTO_INSTALL})`);
    process.exit(1);
  }
  console.error(`scoped-secrets start:cloud failed: ${(e as Error).message}`);
  process.exit(1);
}
