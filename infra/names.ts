/** Names shared by the CDK app and the CLI (`scoped-secrets bootstrap` reads the stack's outputs). */
export const DEFAULT_STACK_NAME = "ScopedSecrets";

/** CloudFormation output keys of the stack. */
export const OUTPUTS = {
  apiUrl: "ApiUrl",
  uiUrl: "UiUrl",
  tableName: "TableName",
  keyArn: "KeyArn",
  eventBusName: "EventBusName",
  eventBusArn: "EventBusArn",
  alarmTopicArn: "AlarmTopicArn",
  serverId: "ServerId",
} as const;

/**
 * How change events look on the stack's EventBridge bus (the contract with the publisher and with rules):
 * one PutEvents entry per change, `Detail` = JSON `{type, environmentId, spaceId?, name, version, at, actor}`.
 */
export const CHANGE_EVENTS = {
  source: "scoped-secrets",
  detailType: "Secret Change",
  /** The writer function's environment variable that names the bus. */
  busEnv: "EVENT_BUS_NAME",
} as const;
