import { expect, expectTypeOf, it } from "vitest";
import type * as Client from "../../client/sdk/api-types.ts";
import { SECRET_NAME_PATTERN } from "../../client/sdk/api-types.ts";
import type * as ServerAws from "../../lambdas/api/aws-auth-schemas.ts";
import type * as Server from "../../lambdas/api/schemas.ts";
import type { ErrorCode as ServerErrorCode } from "../../lambdas/core/errors.ts";
import { SECRET_NAME_PATTERN as SERVER_NAME_PATTERN } from "../../lambdas/core/schemas.ts";

/**
 * The client copies the API's types (its package cannot import the server's zod schemas). These
 * assertions are checked by the type-check (`tsc --noEmit`, part of `npm test`): a field added, removed
 * or retyped on one side and not the other fails it.
 */
it("the client's API types are the server's", () => {
  expectTypeOf<Client.Environment>().toEqualTypeOf<Server.Environment>();
  expectTypeOf<Client.Space>().toEqualTypeOf<Server.Space>();
  expectTypeOf<Client.Secret>().toEqualTypeOf<Server.Secret>();
  expectTypeOf<Client.SecretVersion>().toEqualTypeOf<Server.SecretVersion>();
  expectTypeOf<Client.SetSecretRequest>().toEqualTypeOf<Server.SetSecretRequest>();
  expectTypeOf<Client.Token>().toEqualTypeOf<Server.Token>();
  expectTypeOf<Client.CreatedToken>().toEqualTypeOf<Server.CreatedToken>();
  expectTypeOf<Client.CreateTokenRequest>().toEqualTypeOf<Server.CreateTokenRequest>();
  expectTypeOf<Client.AuditEvent>().toEqualTypeOf<Server.AuditEvent>();
  expectTypeOf<Client.WhoAmI>().toEqualTypeOf<Server.WhoAmI>();
  expectTypeOf<Client.ErrorCode>().toEqualTypeOf<ServerErrorCode>();
  expectTypeOf<Client.AwsIdentity>().toEqualTypeOf<ServerAws.AwsIdentity>();
  expectTypeOf<Client.CreateAwsIdentityRequest>().toEqualTypeOf<ServerAws.CreateAwsIdentityRequest>();
  expectTypeOf<Client.AwsLoginResult>().toEqualTypeOf<ServerAws.AwsLoginResult>();
});

it("the client validates secret names as the server does", () => {
  expect(SECRET_NAME_PATTERN.source).toBe(SERVER_NAME_PATTERN.source);
  expect(SECRET_NAME_PATTERN.flags).toBe(SERVER_NAME_PATTERN.flags);
});
