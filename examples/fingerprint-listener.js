import { createHash } from "node:crypto";

// The DESIGN §1 listener, plus a line per secret that proves which value arrived without printing it:
// its length and the first 12 hex digits of its SHA-256.
const fingerprint = (value) =>
  `${value.length} chars, sha256:${createHash("sha256").update(value).digest("hex").slice(0, 12)}`;

export default function flatfileEventListener(listener) {
  listener.on("**", async (event) => {
    const tok = await event.secrets("SLACK_TOKEN");
    const other = await event.secrets("MY_CREDENTIAL", {
      environmentId: "us_env_123",
      spaceId: "us_spa_123",
    });
    console.log(`SLACK_TOKEN ${fingerprint(tok)}`);
    console.log(`MY_CREDENTIAL ${fingerprint(other)}`);
  });
}
