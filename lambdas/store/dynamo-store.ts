import type { Store } from "../core/ports.ts";
import { AuditRepository } from "./audit-repository.ts";
import { AwsIdentityRepository } from "./aws-identity-repository.ts";
import { KnownScopes } from "./known-scopes.ts";
import type { DocSender } from "./lean-dynamo.ts";
import { ScopeRepository } from "./scope-repository.ts";
import { SecretRepository } from "./secret-repository.ts";
import { TokenRepository } from "./token-repository.ts";

export interface DynamoStoreOptions {
  /**
   * How long a scope seen to exist is trusted without re-reading it (see KnownScopes). 0, the default,
   * proves the scope on every read; the entry points turn it on.
   */
  knownScopeTtlMs?: number;
}

/** The DynamoDB adapter of every store port, over one table. */
export function createDynamoStore(
  doc: DocSender,
  table: string,
  options: DynamoStoreOptions = {},
): Store & { secrets: SecretRepository; awsIdentities: AwsIdentityRepository } {
  const knownScopes = new KnownScopes(options.knownScopeTtlMs ?? 0);
  const scopes = new ScopeRepository(doc, table, knownScopes);
  const secrets = new SecretRepository(doc, table, knownScopes);
  const tokens = new TokenRepository(doc, table);
  const audit = new AuditRepository(doc, table);
  return {
    secrets,
    awsIdentities: new AwsIdentityRepository(doc, table),
    createEnvironment: (e) => scopes.createEnvironment(e),
    getEnvironment: (id) => scopes.getEnvironment(id),
    listEnvironments: (p) => scopes.listEnvironments(p),
    renameEnvironment: (id, n, u) => scopes.renameEnvironment(id, n, u),
    deleteEnvironment: (id) => scopes.deleteEnvironment(id),
    createSpace: (s) => scopes.createSpace(s),
    spaceInEnvironment: (e, s) => scopes.spaceInEnvironment(e, s),
    getSpace: (id) => scopes.getSpace(id),
    getSpaceIn: (e, id) => scopes.getSpaceIn(e, id),
    listSpaces: (e, p) => scopes.listSpaces(e, p),
    renameSpace: (id, n, u) => scopes.renameSpace(id, n, u),
    deleteSpace: (id) => scopes.deleteSpace(id),
    write: (r) => secrets.write(r),
    getCurrent: (s, n) => secrets.getCurrent(s, n),
    getById: (id) => secrets.getById(id),
    resolve: (s, n) => secrets.resolve(s, n),
    listEffective: (s, p) => secrets.listEffective(s, p),
    getVersion: (s, n, v) => secrets.getVersion(s, n, v),
    listVersions: (s, n, p) => secrets.listVersions(s, n, p),
    putToken: (r, h) => tokens.putToken(r, h),
    getTokenByHash: (h) => tokens.getTokenByHash(h),
    getTokenById: (id) => tokens.getTokenById(id),
    listTokens: (p) => tokens.listTokens(p),
    revokeToken: (id, at) => tokens.revokeToken(id, at),
    revokeTokensOfScope: (scope, at, before) => tokens.revokeTokensOfScope(scope, at, before),
    touchToken: (h, at, n) => tokens.touchToken(h, at, n),
    appendAudit: (e, d) => audit.appendAudit(e, d),
    listAudit: (q, p) => audit.listAudit(q, p),
  };
}
