import { parseRoleArn, roleOfCaller } from "./aws-auth-arn.ts";
import type {
  AwsBoundRole,
  AwsIdentityBinding,
  AwsIdentityStore,
  CallerIdentityVerifier,
} from "./aws-auth-ports.ts";
import { type AwsLoginInput, parseSignedLogin } from "./aws-auth-request.ts";
import { LoginThrottle } from "./aws-auth-throttle.ts";
import { AppError, invalid, notFound } from "./errors.ts";
import { newId } from "./ids.ts";
import type { Clock, PageRequest, ScopeStore } from "./ports.ts";
import { systemClock } from "./ports.ts";
import type { TokenService } from "./token-service.ts";
import type { Page, TokenRecord } from "./types.ts";

export const LOGIN_TTL = { defaultSeconds: 900, minSeconds: 60, maxSeconds: 3600 } as const;

export interface CreateBindingInput {
  name: string;
  principalArn: string;
  role: AwsBoundRole;
  environmentId: string;
  spaceId?: string | undefined;
  tokenTtlSeconds?: number | undefined;
  createdBy: string;
}

/** Bindings of IAM roles to a role and a scope (admin only; the route checks that). */
export class AwsIdentityService {
  private readonly clock: Clock;

  constructor(private readonly deps: { identities: AwsIdentityStore; scopes: ScopeStore; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  async create(input: CreateBindingInput): Promise<AwsIdentityBinding> {
    const role = parseRoleArn(input.principalArn);
    if (!role) throw invalid("principalArn", "principalArn must be an IAM role ARN");
    const env = await this.deps.scopes.getEnvironment(input.environmentId);
    if (!env) throw notFound("environmentId", `environment ${input.environmentId} not found`);
    let spaceCreatedAt: string | undefined;
    if (input.spaceId) {
      const space = await this.deps.scopes.getSpace(input.spaceId);
      if (!space || space.environmentId !== input.environmentId)
        throw notFound("spaceId", `space ${input.spaceId} not found in environment ${input.environmentId}`);
      spaceCreatedAt = space.createdAt;
    }
    const binding: AwsIdentityBinding = {
      id: newId("awsid"),
      name: input.name,
      principalArn: input.principalArn,
      canonicalArn: role.canonicalArn,
      role: input.role,
      environmentId: input.environmentId,
      spaceId: input.spaceId,
      environmentCreatedAt: env.createdAt,
      spaceCreatedAt,
      tokenTtlSeconds: input.tokenTtlSeconds ?? LOGIN_TTL.defaultSeconds,
      createdAt: this.clock.now().toISOString(),
      createdBy: input.createdBy,
    };
    await this.deps.identities.putAwsIdentity(binding);
    return binding;
  }

  list(page: PageRequest): Promise<Page<AwsIdentityBinding>> {
    return this.deps.identities.listAwsIdentities(page);
  }

  delete(id: string): Promise<AwsIdentityBinding> {
    return this.deps.identities.deleteAwsIdentity(id);
  }
}

export interface AwsLoginResult {
  token: string;
  record: TokenRecord;
  binding: AwsIdentityBinding;
  sessionName: string;
}

/** The one answer to every login that fails after STS: it says nothing about which bindings exist. */
export const LOGIN_REFUSED =
  "AWS login refused: STS did not verify the signed request, or its role is not bound to a scope on this server. Sign a fresh request with the role's credentials, and ask an admin to check the binding.";
/** Looked up when there is no role to look up, so a refused signature costs the same reads as an unbound role. */
const NO_ROLE = "arn:aws:iam::000000000000:role/-";

/**
 * Vault-style `iam` login: the client signs sts:GetCallerIdentity, this server checks the request's shape,
 * sends it to the STS endpoint it chose, maps the caller's assumed-role ARN to a binding, and mints a
 * short-lived token with the binding's role and scope.
 */
export class AwsAuthService {
  private readonly clock: Clock;
  readonly throttle: LoginThrottle;

  constructor(
    private readonly deps: {
      identities: AwsIdentityStore;
      scopes: ScopeStore;
      tokens: Pick<TokenService, "create">;
      verifier: CallerIdentityVerifier;
      /** This deployment's id; undefined turns AWS login off. */
      serverId: string | undefined;
      clock?: Clock;
      throttle?: LoginThrottle;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
    this.throttle = deps.throttle ?? new LoginThrottle(undefined, this.clock);
  }

  get serverId(): string | undefined {
    return this.deps.serverId;
  }

  /** The STS host logins must be signed for. */
  get stsHost(): string {
    return this.deps.verifier.host;
  }

  async login(input: AwsLoginInput, clientAddress: string | undefined): Promise<AwsLoginResult> {
    const serverId = this.deps.serverId;
    if (!serverId)
      throw new AppError("unauthorized", "AWS login is not enabled on this server (no SERVER_ID)", {
        key: "",
      });
    this.throttle.address(clientAddress);
    const request = parseSignedLogin(input, {
      serverId,
      stsHost: this.deps.verifier.host,
      now: this.clock.now(),
    });
    const caller = await this.deps.verifier.getCallerIdentity(request);
    const role = caller ? roleOfCaller(caller.arn) : undefined;
    if (role && role.account !== caller?.account) throw refused();
    if (role) this.throttle.role(role.canonicalArn);
    const binding = await this.deps.identities.getAwsIdentityByArn(role?.canonicalArn ?? NO_ROLE);
    const current = binding ? await this.scopeIsCurrent(binding) : await this.scopeIsCurrent(undefined);
    if (!role || !binding || !current) throw refused();

    const ttl = Math.min(input.ttlSeconds ?? binding.tokenTtlSeconds, binding.tokenTtlSeconds);
    const expiresAt = new Date(this.clock.now().getTime() + ttl * 1000).toISOString();
    const { record, token } = await this.deps.tokens.create({
      name: `aws ${binding.name}`.slice(0, 200),
      role: binding.role,
      environmentId: binding.environmentId,
      spaceId: binding.spaceId,
      expiresAt,
      createdBy: binding.id,
    });
    return { token, record, binding, sessionName: role.sessionName };
  }

  /** The binding's scope is the one it was made for: not deleted, not deleted and re-created. */
  private async scopeIsCurrent(binding: AwsIdentityBinding | undefined): Promise<boolean> {
    const env = await this.deps.scopes.getEnvironment(binding?.environmentId ?? "-");
    if (!binding || env?.createdAt !== binding.environmentCreatedAt) return false;
    if (!binding.spaceId) return true;
    const space = await this.deps.scopes.getSpace(binding.spaceId);
    return space?.environmentId === binding.environmentId && space.createdAt === binding.spaceCreatedAt;
  }
}

const refused = () => new AppError("unauthorized", LOGIN_REFUSED, { key: "" });
