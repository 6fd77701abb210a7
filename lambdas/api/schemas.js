import { z } from "@hono/zod-openapi";
import {
  displayNameSchema,
  environmentIdSchema,
  expectedVersionSchema,
  secretNameSchema,
  secretValueSchema,
  spaceIdSchema,
  versionSchema,
} from "../core/schemas.js";
/**
 * Request and response schemas of the HTTP API, defined once: the routes validate with them, the
 * OpenAPI document is generated from them, and the SDK, CLI and UI import their types.
 */
// ---- shared pieces
export const RoleSchema = z.enum(["admin", "operator", "agent"]).openapi("Role");
const limitSchema = z.coerce
  .number({ error: "limit must be a number" })
  .int({ error: "limit must be a whole number" })
  .min(1, { error: "limit must be between 1 and 1000" })
  .max(1000, { error: "limit must be between 1 and 1000" })
  .optional();
export const PageQuery = z.object({
  cursor: z.string().max(2048).optional().openapi({ description: "The cursor of the previous page." }),
  limit: limitSchema,
});
export const ErrorBody = z
  .object({ errors: z.array(z.object({ key: z.string(), message: z.string() })) })
  .openapi("Errors");
export const data = (schema) => z.object({ data: schema });
export const list = (schema) => z.object({ data: z.array(schema), cursor: z.string().optional() });
// ---- environments and spaces
export const EnvironmentSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: z.string(), updatedAt: z.string() })
  .openapi("Environment");
export const CreateEnvironmentBody = z
  .strictObject({ name: displayNameSchema, id: environmentIdSchema.optional() })
  .openapi("CreateEnvironment");
export const RenameBody = z.strictObject({ name: displayNameSchema }).openapi("Rename");
export const SpaceSchema = z
  .object({
    id: z.string(),
    environmentId: z.string(),
    name: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Space");
export const CreateSpaceBody = z
  .strictObject({ environmentId: environmentIdSchema, name: displayNameSchema, id: spaceIdSchema.optional() })
  .openapi("CreateSpace");
export const ListSpacesQuery = PageQuery.extend({ environmentId: environmentIdSchema.optional() });
// ---- secrets
export const SecretSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    value: z
      .string()
      .optional()
      .openapi({ description: "Only for roles that may read values (admin, agent)." }),
    environmentId: z.string(),
    spaceId: z.string().nullable(),
    version: z.number().int(),
    inherited: z.boolean(),
    overridden: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string().openapi({ description: "The id of the token that wrote this version." }),
    updatedByName: z.string().nullable().openapi({
      description:
        "That token's name as it was when it wrote (stored with the write, never looked up). null for versions written before names were stored, for agent tokens, and for a space-bound token reading an inherited environment value: names go only to those who may read that scope's audit log.",
    }),
    error: z.object({ code: z.literal("integrity"), message: z.string() }).optional(),
  })
  .openapi("Secret");
/** `reveal=false` lists without values (and without a reveal audit event), e.g. for the admin UI. */
export const RevealQuery = z.object({
  reveal: z
    .enum(["true", "false"], { error: "reveal must be true or false" })
    .optional()
    .openapi({ description: "false: omit values even for roles that may read them. Default true." }),
});
export const ListSecretsQuery = RevealQuery.extend(PageQuery.shape).extend({
  environmentId: environmentIdSchema,
  spaceId: spaceIdSchema.optional(),
  name: secretNameSchema
    .optional()
    .openapi({ description: "Exactly this secret, or 404: the agent hot path." }),
});
export const SetSecretBody = z
  .strictObject({
    name: secretNameSchema,
    value: secretValueSchema,
    environmentId: environmentIdSchema,
    spaceId: spaceIdSchema.optional(),
    expectedVersion: expectedVersionSchema.optional(),
    actorId: z.string().max(256).optional().openapi({
      description:
        "Accepted and ignored, so Flatfile's @flatfile/api secrets.upsert works unchanged; the actor is always the calling token.",
    }),
  })
  .openapi("SetSecret");
export const VersionSchema = z
  .object({
    version: z.number().int(),
    kind: z
      .enum(["value", "tombstone"])
      .openapi({ description: "value: a value was set (or restored); tombstone: the value was deleted." }),
    createdAt: z.string(),
    createdBy: z.string().openapi({ description: "The id of the token that wrote this version." }),
    createdByName: z.string().nullable().openapi({
      description:
        "That token's name as it was when it wrote (stored with the version); null for versions written before names were stored.",
    }),
    rollbackOf: z.number().int().nullable().openapi({
      description: "Set when a rollback wrote this version: the version whose value it restored.",
    }),
  })
  .openapi("SecretVersion");
export const RollbackBody = z.strictObject({ version: versionSchema }).openapi("Rollback");
export const DeletedSchema = z.object({
  id: z.string(),
  deleted: z.literal(true),
  version: z.number().int().optional(),
});
// ---- tokens
export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: RoleSchema,
    environmentId: z.string().nullable(),
    spaceId: z.string().nullable(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("Token");
export const CreatedTokenSchema = TokenSchema.extend({
  token: z.string().openapi({ description: "Shown only in this response; store it now." }),
}).openapi("CreatedToken");
export const CreateTokenBody = z
  .strictObject({
    name: displayNameSchema,
    role: RoleSchema,
    environmentId: environmentIdSchema.optional(),
    spaceId: spaceIdSchema.optional(),
    expiresAt: z.iso
      .datetime({ offset: true, error: "expiresAt must be an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z" })
      .optional(),
  })
  .openapi("CreateToken");
// ---- audit
export const AuditEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    environmentId: z.string().optional(),
    actor: z.object({ tokenId: z.string(), name: z.string() }),
    action: z.string(),
    target: z.object({
      type: z.string(),
      id: z.string(),
      name: z.string().optional(),
      environmentId: z.string().optional(),
      spaceId: z.string().optional(),
    }),
    outcome: z.enum(["success", "failure"]),
    requestId: z.string().optional(),
    detail: z.string().optional(),
  })
  .openapi("AuditEvent");
export const ListAuditQuery = PageQuery.extend({ environmentId: environmentIdSchema.optional() });
export const WhoAmISchema = z
  .object({
    tokenId: z.string(),
    name: z.string(),
    role: RoleSchema,
    environmentId: z.string().nullable(),
    spaceId: z.string().nullable(),
  })
  .openapi("WhoAmI");
export const HealthSchema = z.object({ ok: z.literal(true), version: z.string() }).openapi("Health");
