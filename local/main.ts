import { StartupError, startLocalServer } from "./server.ts";

/** `npm start`: PORT (8787), HOST (127.0.0.1), DATA_DIR (.data), EVENTS_WEBHOOK_URL (none). */
const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a whole number from 0 to 65535, not "${process.env.PORT}"`);
  process.exit(2);
}

try {
  const server = await startLocalServer({
    port,
    host: process.env.HOST ?? "127.0.0.1",
    dataDir: process.env.DATA_DIR ?? ".data",
    webhook: process.env.EVENTS_WEBHOOK_URL?.trim()
      ? { url: process.env.EVENTS_WEBHOOK_URL.trim() }
      : undefined,
    serverId: process.env.SERVER_ID || undefined,
    stsEndpoint: process.env.STS_ENDPOINT || undefined,
    awsRegion: process.env.AWS_REGION || undefined,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: shutting down\n`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
} catch (e) {
  if (e instanceof StartupError) {
    console.error(`scoped-secrets: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
