import { z } from "@hono/zod-openapi";
/**
 * Request and response schemas of the HTTP API, defined once: the routes validate with them, the
 * OpenAPI document is generated from them, and the SDK, CLI and UI import their types.
 */
export declare const RoleSchema: z.ZodEnum<{
  admin: "admin";
  agent: "agent";
  operator: "operator";
}>;
export declare const PageQuery: z.ZodObject<
  {
    cursor: z.ZodOptional<z.ZodString>;
    limit: z.ZodOptional<z.ZodCoercedNumber<unknown>>;
  },
  z.core.$strip
>;
export declare const ErrorBody: z.ZodObject<
  {
    errors: z.ZodArray<
      z.ZodObject<
        {
          key: z.ZodString;
          message: z.ZodString;
        },
        z.core.$strip
      >
    >;
  },
  z.core.$strip
>;
export declare const data: <T extends z.ZodType>(
  schema: T,
) => z.ZodObject<
  {
    data: T;
  },
  z.core.$strip
>;
export declare const list: <T extends z.ZodType>(
  schema: T,
) => z.ZodObject<
  {
    data: z.ZodArray<T>;
    cursor: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
export declare const EnvironmentSchema: z.ZodObject<
  {
    id: z.ZodString;
    name: z.ZodString;
    createdAt: z.ZodString;
    updatedAt: z.ZodString;
  },
  z.core.$strip
>;
export declare const CreateEnvironmentBody: z.ZodObject<
  {
    name: z.ZodString;
    id: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
export declare const RenameBody: z.ZodObject<
  {
    name: z.ZodString;
  },
  z.core.$strict
>;
export declare const SpaceSchema: z.ZodObject<
  {
    id: z.ZodString;
    environmentId: z.ZodString;
    name: z.ZodString;
    createdAt: z.ZodString;
    updatedAt: z.ZodString;
  },
  z.core.$strip
>;
export declare const CreateSpaceBody: z.ZodObject<
  {
    environmentId: z.ZodString;
    name: z.ZodString;
    id: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
export declare const ListSpacesQuery: z.ZodObject<
  {
    cursor: z.ZodOptional<z.ZodString>;
    limit: z.ZodOptional<z.ZodCoercedNumber<unknown>>;
    environmentId: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
export declare const SecretSchema: z.ZodObject<
  {
    id: z.ZodString;
    name: z.ZodString;
    value: z.ZodOptional<z.ZodString>;
    environmentId: z.ZodString;
    spaceId: z.ZodNullable<z.ZodString>;
    version: z.ZodNumber;
    inherited: z.ZodBoolean;
    overridden: z.ZodBoolean;
    createdAt: z.ZodString;
    updatedAt: z.ZodString;
    updatedBy: z.ZodString;
    updatedByName: z.ZodNullable<z.ZodString>;
    error: z.ZodOptional<
      z.ZodObject<
        {
          code: z.ZodLiteral<"integrity">;
          message: z.ZodString;
        },
        z.core.$strip
      >
    >;
  },
  z.core.$strip
>;
/** `reveal=false` lists without values (and without a reveal audit event), e.g. for the admin UI. */
export declare const RevealQuery: z.ZodObject<
  {
    reveal: z.ZodOptional<
      z.ZodEnum<{
        false: "false";
        true: "true";
      }>
    >;
  },
  z.core.$strip
>;
export declare const ListSecretsQuery: z.ZodObject<
  {
    cursor: z.ZodOptional<z.ZodString>;
    limit: z.ZodOptional<z.ZodCoercedNumber<unknown>>;
    reveal: z.ZodOptional<
      z.ZodEnum<{
        false: "false";
        true: "true";
      }>
    >;
    environmentId: z.ZodString;
    spaceId: z.ZodOptional<z.ZodString>;
    name: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
export declare const SetSecretBody: z.ZodObject<
  {
    name: z.ZodString;
    value: z.ZodString;
    environmentId: z.ZodString;
    spaceId: z.ZodOptional<z.ZodString>;
    expectedVersion: z.ZodOptional<z.ZodNumber>;
    actorId: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
export declare const VersionSchema: z.ZodObject<
  {
    version: z.ZodNumber;
    kind: z.ZodEnum<{
      tombstone: "tombstone";
      value: "value";
    }>;
    createdAt: z.ZodString;
    createdBy: z.ZodString;
    createdByName: z.ZodNullable<z.ZodString>;
    rollbackOf: z.ZodNullable<z.ZodNumber>;
  },
  z.core.$strip
>;
export declare const RollbackBody: z.ZodObject<
  {
    version: z.ZodNumber;
  },
  z.core.$strict
>;
export declare const DeletedSchema: z.ZodObject<
  {
    id: z.ZodString;
    deleted: z.ZodLiteral<true>;
    version: z.ZodOptional<z.ZodNumber>;
  },
  z.core.$strip
>;
export declare const TokenSchema: z.ZodObject<
  {
    id: z.ZodString;
    name: z.ZodString;
    role: z.ZodEnum<{
      admin: "admin";
      agent: "agent";
      operator: "operator";
    }>;
    environmentId: z.ZodNullable<z.ZodString>;
    spaceId: z.ZodNullable<z.ZodString>;
    expiresAt: z.ZodNullable<z.ZodString>;
    createdAt: z.ZodString;
    createdBy: z.ZodString;
    lastUsedAt: z.ZodNullable<z.ZodString>;
    revokedAt: z.ZodNullable<z.ZodString>;
  },
  z.core.$strip
>;
export declare const CreatedTokenSchema: z.ZodObject<
  {
    id: z.ZodString;
    name: z.ZodString;
    role: z.ZodEnum<{
      admin: "admin";
      agent: "agent";
      operator: "operator";
    }>;
    environmentId: z.ZodNullable<z.ZodString>;
    spaceId: z.ZodNullable<z.ZodString>;
    expiresAt: z.ZodNullable<z.ZodString>;
    createdAt: z.ZodString;
    createdBy: z.ZodString;
    lastUsedAt: z.ZodNullable<z.ZodString>;
    revokedAt: z.ZodNullable<z.ZodString>;
    token: z.ZodString;
  },
  z.core.$strip
>;
export declare const CreateTokenBody: z.ZodObject<
  {
    name: z.ZodString;
    role: z.ZodEnum<{
      admin: "admin";
      agent: "agent";
      operator: "operator";
    }>;
    environmentId: z.ZodOptional<z.ZodString>;
    spaceId: z.ZodOptional<z.ZodString>;
    expiresAt: z.ZodOptional<z.ZodISODateTime>;
  },
  z.core.$strict
>;
export declare const AuditEventSchema: z.ZodObject<
  {
    id: z.ZodString;
    at: z.ZodString;
    environmentId: z.ZodOptional<z.ZodString>;
    actor: z.ZodObject<
      {
        tokenId: z.ZodString;
        name: z.ZodString;
      },
      z.core.$strip
    >;
    action: z.ZodString;
    target: z.ZodObject<
      {
        type: z.ZodString;
        id: z.ZodString;
        name: z.ZodOptional<z.ZodString>;
        environmentId: z.ZodOptional<z.ZodString>;
        spaceId: z.ZodOptional<z.ZodString>;
      },
      z.core.$strip
    >;
    outcome: z.ZodEnum<{
      failure: "failure";
      success: "success";
    }>;
    requestId: z.ZodOptional<z.ZodString>;
    detail: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
export declare const ListAuditQuery: z.ZodObject<
  {
    cursor: z.ZodOptional<z.ZodString>;
    limit: z.ZodOptional<z.ZodCoercedNumber<unknown>>;
    environmentId: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
export declare const WhoAmISchema: z.ZodObject<
  {
    tokenId: z.ZodString;
    name: z.ZodString;
    role: z.ZodEnum<{
      admin: "admin";
      agent: "agent";
      operator: "operator";
    }>;
    environmentId: z.ZodNullable<z.ZodString>;
    spaceId: z.ZodNullable<z.ZodString>;
  },
  z.core.$strip
>;
export declare const HealthSchema: z.ZodObject<
  {
    ok: z.ZodLiteral<true>;
    version: z.ZodString;
  },
  z.core.$strip
>;
export type Environment = z.infer<typeof EnvironmentSchema>;
export type Space = z.infer<typeof SpaceSchema>;
export type Secret = z.infer<typeof SecretSchema>;
export type SecretVersion = z.infer<typeof VersionSchema>;
export type Token = z.infer<typeof TokenSchema>;
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type SetSecretRequest = z.infer<typeof SetSecretBody>;
export type CreateTokenRequest = z.infer<typeof CreateTokenBody>;
export type ErrorResponse = z.infer<typeof ErrorBody>;
export type WhoAmI = z.infer<typeof WhoAmISchema>;
