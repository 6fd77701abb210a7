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
  type AuditEvent,
  type AwsIdentity,
  type CreateAwsIdentityRequest,
  type CreatedToken,
  type CreateTokenRequest,
  type Environment,
  type ErrorCode,
  type Role,
  SECRET_NAME_PATTERN,
  type Secret,
  type SecretVersion,
  type SetSecretRequest,
  type Space,
  type Token,
  type WhoAmI,
} from "./sdk/api-types.ts";
export {
  type AuthContext,
  type AuthProvider,
  type AwsCredentials,
  type AwsIamOptions,
  awsIam,
} from "./sdk/aws-iam.ts";
export { type ErrorDetail, SecretsError, type SecretsErrorCode } from "./sdk/errors.ts";
export type {
  ChangeCallback,
  SecretChange,
  SecretsChangeEvent,
  SecretsWatch,
  WatchOptions,
} from "./sdk/secret-watch.ts";
export {
  DEFAULT_REFRESH_MS,
  describeScope,
  type ResolvedSecret,
  type Scope,
  type SecretRef,
  SecretsClient,
  type SecretsClientOptions,
  type StaleInfo,
} from "./sdk/secrets-client.ts";
