// The agent: reads its secrets with the function's own IAM role (no SCOPED_SECRETS_TOKEN anywhere).
import { awsIam, SecretsClient } from "../../client/index.ts";

// Created once per cold start; awsIam() logs in on first use and renews the token before it expires.
const client = new SecretsClient({ auth: awsIam() }); // SCOPED_SECRETS_URL, SCOPED_SECRETS_SERVER_ID, AWS_REGION

export const handler = async () => {
  const { value } = await client.get("SLACK_TOKEN", { environmentId: "us_env_123" });
  return { ok: typeof value === "string" && value.length > 0 };
};
