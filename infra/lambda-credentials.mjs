// Bundle-time stand-in for "@aws-sdk/credential-provider-node" in the Lambda functions (infra/bundling.ts
// aliases it here). Lambda always hands a function its role's credentials in the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which is the first link of the SDK's
// default chain anyway; the rest of the chain (SSO, ini files, process, web identity, container and
// EC2 metadata) never applies there, but its clients (~90 KiB) and a static `node:http` import (whose
// ESM facade loads undici, ~10 ms) were paid on every cold start. No credentials in the environment
// fail as the SDK's chain would: CredentialsProviderError.
import { fromEnv } from "@aws-sdk/credential-provider-env";

export const defaultProvider = (init = {}) => fromEnv(init);
