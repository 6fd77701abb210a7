import { z } from "@hono/zod-openapi";
import { roleArnSchema } from "../core/aws-auth-arn.ts";
import { LOGIN_TTL } from "../core/aws-auth-service.ts";
import { displayNameSchema, environmentIdSchema, spaceIdSchema } from "../core/schemas.ts";

/** Schemas of the AWS identity routes (issue 17), shared by the routes, the OpenAPI document and the SDK. */

const ttlSchema = (what: string) =>
  z
    .number({ error: `${what} must be a whole number of seconds` })
    .int({ error: `${what} must be a whole number of seconds` })
    .min(LOGIN_TTL.minSeconds, { error: `${what} must be 60 to 3600 seconds` })
    .max(LOGIN_TTL.maxSeconds, { error: `${what} must be 60 to 3600 seconds (at most 1 hour)` });

export const AwsIdentitySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    principalArn: z.string(),
    canonicalArn: z
      .string()
      .openapi({ description: "arn:aws:iam::<account>:role/<name>: STS drops the path, logins match this." }),
    role: z.enum(["agent", "operator"]),
    environmentId: z.string(),
    spaceId: z.string().nullable(),
    tokenTtlSeconds: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi("AwsIdentity");

export const CreateAwsIdentityBody = z
  .strictObject({
    name: displayNameSchema,
    principalArn: roleArnSchema,
    role: z.enum(["agent", "operator"], { error: "role must be agent or operator" }),
    environmentId: environmentIdSchema,
    spaceId: spaceIdSchema.optional(),
    tokenTtlSeconds: ttlSchema("tokenTtlSeconds")
      .optional()
      .openapi({ description: "Lifetime of the tokens a login gets; default 900 (15 min), at most 3600." }),
  })
  .openapi("CreateAwsIdentity");

const base64 = (what: string) =>
  z
    .string({ error: `${what} must be a base64 string` })
    .min(1, { error: `${what} must not be empty` })
    .max(16_384, { error: `${what} is too long` });

export const AwsLoginBody = z
  .strictObject({
    iamHttpRequestMethod: z.string({ error: "iamHttpRequestMethod must be POST" }).max(16),
    iamRequestUrl: base64("iamRequestUrl")
      .optional()
      .openapi({ description: "base64 of https://<sts host>/; it must name the STS host this server uses." }),
    iamRequestHeaders: base64("iamRequestHeaders").openapi({
      description:
        "base64 of a JSON object of the signed request's headers (Authorization, X-Amz-Date, X-Scoped-Secrets-Server-ID, …).",
    }),
    iamRequestBody: base64("iamRequestBody").openapi({
      description: "base64 of exactly Action=GetCallerIdentity&Version=2011-06-15.",
    }),
    ttlSeconds: ttlSchema("ttlSeconds")
      .optional()
      .openapi({ description: "Ask for a shorter token than the binding's tokenTtlSeconds." }),
  })
  .openapi("AwsLogin");

export const AwsLoginResultSchema = z
  .object({
    token: z.string().openapi({ description: "A bearer token for the binding's role and scope." }),
    tokenId: z.string(),
    expiresAt: z.string(),
    role: z.enum(["agent", "operator"]),
    environmentId: z.string(),
    spaceId: z.string().nullable(),
    bindingId: z.string(),
  })
  .openapi("AwsLoginResult");

export type AwsIdentity = z.infer<typeof AwsIdentitySchema>;
export type CreateAwsIdentityRequest = z.input<typeof CreateAwsIdentityBody>;
export type AwsLoginRequest = z.input<typeof AwsLoginBody>;
export type AwsLoginResult = z.infer<typeof AwsLoginResultSchema>;
