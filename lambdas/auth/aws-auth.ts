import type { Services } from "../api/context.ts";
import type { AwsIdentityStore } from "../core/aws-auth-ports.ts";
import { AwsAuthService, AwsIdentityService } from "../core/aws-auth-service.ts";
import type { Clock, ScopeStore } from "../core/ports.ts";
import { resolveStsEndpoint, StsVerifier } from "./sts-verifier.ts";

/** A server id: printable, no spaces, so it survives an HTTP header and an environment variable. */
export const SERVER_ID_PATTERN = /^[A-Za-z0-9._:/@+=-]{1,128}$/;

export interface AwsAuthConfig {
  /** This deployment's id (SERVER_ID); without one, bindings can be managed but nobody can log in. */
  serverId: string | undefined;
  STS_ENDPOINT?: string | undefined;
  AWS_REGION?: string | undefined;
  fetch?: typeof fetch;
  clock?: Clock;
}

/** Throws a clear message for a bad SERVER_ID or STS_ENDPOINT; returns the STS endpoint logins go to. */
export function checkAwsAuthConfig(config: AwsAuthConfig): URL {
  if (config.serverId !== undefined && !SERVER_ID_PATTERN.test(config.serverId))
    throw new Error(
      `SERVER_ID must be 1-128 characters of letters, digits and . _ : / @ + = - (got ${JSON.stringify(config.serverId)})`,
    );
  return resolveStsEndpoint(config);
}

/**
 * Adds AWS identity bindings and login to an entry point's services. Call it after services.tokens is
 * final: logins mint their tokens through it.
 */
export function addAwsAuth(
  services: Services,
  store: ScopeStore & { awsIdentities: AwsIdentityStore },
  config: AwsAuthConfig,
): void {
  const endpoint = checkAwsAuthConfig(config);
  const identities = store.awsIdentities;
  services.awsIdentities = new AwsIdentityService({ identities, scopes: store, clock: config.clock });
  services.awsAuth = new AwsAuthService({
    identities,
    scopes: store,
    tokens: { create: (input) => services.tokens.create(input) },
    verifier: new StsVerifier(endpoint, { fetch: config.fetch }),
    serverId: config.serverId,
    clock: config.clock,
  });
}
