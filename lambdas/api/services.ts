import { AuditService } from "../core/audit-service.ts";
import type { ChangeEvents, Clock, SecretCipher, Store } from "../core/ports.ts";
import { ScopeService } from "../core/scope-service.ts";
import { SecretService } from "../core/secret-service.ts";
import { TokenService } from "../core/token-service.ts";
import type { Services } from "./context.ts";

/** Wires the core services over one store and one cipher. Entry points call this once. */
export function createServices(
  store: Store,
  cipher: SecretCipher,
  clock?: Clock,
  events?: ChangeEvents,
): Services {
  return {
    secrets: new SecretService({ store, cipher, clock, events }),
    scopes: new ScopeService({ scopes: store, clock }),
    tokens: new TokenService({ tokens: store, scopes: store, clock }),
    audit: new AuditService({ audit: store, clock }),
  };
}
