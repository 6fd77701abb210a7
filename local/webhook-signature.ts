import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The header receivers check (docs/events.md): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = "x-scoped-secrets-signature";
export const WEBHOOK_SECRET_FILE = "webhook-secret";

/**
 * Signs a webhook body, Stripe-style: the timestamp is inside the MAC, so a receiver that rejects old
 * timestamps also rejects a captured request replayed later. The key is the secret file's text as is.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * DATA_DIR/webhook-secret: created (0600) on the first start with EVENTS_WEBHOOK_URL set, then reused so
 * receivers keep working across restarts. Like the master key, a copy others can read is refused.
 */
export function openWebhookSecret(dataDir: string): { secret: string; path: string; created: boolean } {
  const path = join(dataDir, WEBHOOK_SECRET_FILE);
  if (!existsSync(path)) {
    const secret = `whsec_${randomBytes(32).toString("base64url")}`;
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return { secret, path, created: true };
  }
  if ((statSync(path).mode & 0o077) !== 0)
    throw new Error(
      `${path} is readable by other users; run \`chmod 600 ${path}\` (and rotate the secret if others may have read it)`,
    );
  const secret = readFileSync(path, "utf8").trim();
  if (secret.length < 32)
    throw new Error(`${path} holds no usable secret (under 32 characters); delete it to have a new one made`);
  return { secret, path, created: false };
}
