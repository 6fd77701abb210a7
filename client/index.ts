export type { AwsIdentity, CreateAwsIdentityRequest } from "../lambdas/api/aws-auth-schemas.ts";
export type {
  AuditEvent,
  CreatedToken,
  Environment,
  Secret,
  SecretVersion,
  Space,
  Token,
  WhoAmI,
} from "../lambdas/api/schemas.ts";
export {
  type DispatchInput,
  type EventContext,
  type EventHandler,
  Listener,
  type ListenerEvent,
  type ListenerOptions,
  type SecretResolution,
  type SecretsOptions,
} from "./listener/listener.ts";
export { matchTopic } from "./listener/topic.ts";
export {
  type AuthContext,
  type AuthProvider,
  type AwsCredentials,
  type AwsIamOptions,
  awsIam,
} from "./sdk/aws-iam.ts";
export { type ErrorDetail, SecretsError, type SecretsErrorCode } from "./sdk/errors.ts";
export {
  describeScope,
  type ResolvedSecret,
  type Scope,
  type SecretRef,
  SecretsClient,
  type SecretsClientOptions,
  type StaleInfo,
} from "./sdk/secrets-client.ts";
