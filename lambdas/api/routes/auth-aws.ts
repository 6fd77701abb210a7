import { AppError } from "../../core/errors.ts";
import { tokenTarget } from "../audit-helpers.ts";
import { AwsLoginBody, AwsLoginResultSchema } from "../aws-auth-schemas.ts";
import type { App, AppContext, AppDeps } from "../context.ts";
import { json, jsonBody, openRoute } from "../route-helpers.ts";
import { data, ErrorBody } from "../schemas.ts";

export const AWS_LOGIN_PATH = "/v1/auth/aws";

const error = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorBody } },
});

/** The caller's address as the runtime saw it (API Gateway's sourceIp, or the socket's peer locally). */
function clientAddress(c: AppContext): string | undefined {
  const env = c.env as
    | {
        event?: { requestContext?: { http?: { sourceIp?: string } } };
        incoming?: { socket?: { remoteAddress?: string } };
      }
    | undefined;
  return env?.event?.requestContext?.http?.sourceIp ?? env?.incoming?.socket?.remoteAddress;
}

/** POST /v1/auth/aws: a signed sts:GetCallerIdentity in, a short-lived bearer token out. No token needed. */
export function awsLoginRoutes(app: App, deps: AppDeps) {
  app.openapi(
    openRoute({
      method: "post",
      path: AWS_LOGIN_PATH,
      tags: ["aws-identities"],
      summary:
        "Log in with an AWS IAM role: a signed sts:GetCallerIdentity (Vault's iam method); needs no token",
      request: { body: jsonBody(AwsLoginBody) },
      responses: {
        200: json(data(AwsLoginResultSchema), "A short-lived token for the bound role and scope"),
        400: error("Invalid input"),
        401: error("Refused: not signed as required, not verified by STS, or not bound"),
        429: error("Too many login attempts; see Retry-After"),
        503: error("STS or the datastore is unavailable; see Retry-After"),
      },
    }),
    async (c) => {
      const auth = deps.services.awsAuth;
      if (!auth) throw new AppError("unauthorized", "AWS login is not enabled on this server", { key: "" });
      const result = await auth.login(c.req.valid("json"), clientAddress(c));
      const { record, binding } = result;
      try {
        await deps.services.audit.record(
          { tokenId: binding.id, name: `aws ${binding.canonicalArn}`, role: binding.role },
          {
            action: "aws.login",
            target: tokenTarget(record),
            outcome: "success",
            environmentId: record.environmentId,
            requestId: c.get("requestId"),
            detail: `session ${result.sessionName}`,
          },
        );
      } catch (e) {
        deps.logError?.(c.get("requestId"), e);
      }
      c.header("Cache-Control", "no-store");
      return c.json(
        {
          data: {
            token: result.token,
            tokenId: record.id,
            expiresAt: record.expiresAt as string,
            role: binding.role,
            environmentId: binding.environmentId,
            spaceId: binding.spaceId ?? null,
            bindingId: binding.id,
          },
        },
        200,
      );
    },
  );
}
