/** Names shared by the CDK app and the CLI (`scoped-secrets bootstrap` reads the stack's outputs). */
export const DEFAULT_STACK_NAME = "ScopedSecrets";

/** CloudFormation output keys of the stack. */
export const OUTPUTS = {
  apiUrl: "ApiUrl",
  uiUrl: "UiUrl",
  tableName: "TableName",
  keyArn: "KeyArn",
  serverId: "ServerId",
} as const;
