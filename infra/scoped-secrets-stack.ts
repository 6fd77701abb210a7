import { resolve } from "node:path";
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { RouteEntry } from "../lambdas/api/route-table.ts";
import { AdminUi } from "./admin-ui.ts";
import { PROJECT_ROOT } from "./bundling.ts";
import { ChangeEvents } from "./change-events.ts";
import { Functions } from "./functions.ts";
import { ScopedSecretsHttpApi } from "./http-api.ts";
import { Monitoring } from "./monitoring.ts";
import { OUTPUTS } from "./names.ts";
import type { Settings } from "./settings.ts";
import { Storage } from "./storage.ts";

export interface ScopedSecretsStackProps extends StackProps, Omit<Settings, "stackName"> {
  /** The app's routes (`describeRoutes()`): each becomes an API Gateway route. */
  routes: RouteEntry[];
  /** Built admin UI; default web/dist. */
  webDistDir?: string;
}

/** The whole service in one stack (DESIGN §6). */
export class ScopedSecretsStack extends Stack {
  readonly storage: Storage;
  readonly changeEvents: ChangeEvents;
  readonly functions: Functions;
  readonly http: ScopedSecretsHttpApi;
  readonly ui: AdminUi | undefined;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ScopedSecretsStackProps) {
    super(scope, id, {
      description: "scoped-secrets: envelope-encrypted secrets API and admin UI",
      ...props,
    });
    const logRetention = props.logRetention;
    this.storage = new Storage(this, "Storage");
    this.changeEvents = new ChangeEvents(this, "ChangeEvents");
    // Default server id: names this stack in this account and region, so a login signed for another
    // deployment of the same code is refused here.
    const serverId = props.serverId || `scoped-secrets:${this.account}:${this.region}:${this.stackName}`;
    this.functions = new Functions(this, "Functions", {
      storage: this.storage,
      changeEvents: this.changeEvents,
      logRetention,
      serverId,
    });
    const uiProps = { webDistDir: props.webDistDir ?? resolve(PROJECT_ROOT, "web/dist"), logRetention };
    this.ui = props.ui ? new AdminUi(this, "AdminUi", uiProps) : undefined;
    this.http = new ScopedSecretsHttpApi(this, "Http", {
      routes: props.routes,
      reader: this.functions.reader,
      writer: this.functions.writer,
      authorizer: this.functions.authorizer,
      authorizerCacheTtl: props.authorizerCacheTtl,
      throttle: props.throttle,
      loginThrottle: props.loginThrottle,
      logRetention,
      corsOrigin: this.ui?.origin,
    });
    this.ui?.deploy(this.http.url, uiProps);
    this.monitoring = new Monitoring(this, "Monitoring", {
      // Dashboard names are unique per account, not per region.
      dashboardName: `${this.stackName}-${this.region}`,
      stage: this.http.stage,
      functions: {
        reader: this.functions.reader,
        writer: this.functions.writer,
        authorizer: this.functions.authorizer,
      },
      alarmEmail: props.alarmEmail,
    });

    new CfnOutput(this, OUTPUTS.apiUrl, { value: this.http.url, description: "Base URL of the v1 API" });
    if (this.ui) new CfnOutput(this, OUTPUTS.uiUrl, { value: this.ui.origin, description: "Admin UI" });
    new CfnOutput(this, OUTPUTS.tableName, {
      value: this.storage.table.tableName,
      description: "DynamoDB table",
    });
    new CfnOutput(this, OUTPUTS.keyArn, { value: this.storage.key.keyArn, description: "KMS key" });
    new CfnOutput(this, OUTPUTS.eventBusName, {
      value: this.changeEvents.bus.eventBusName,
      description: "EventBridge bus with the change events (add rules on it)",
    });
    new CfnOutput(this, OUTPUTS.eventBusArn, {
      value: this.changeEvents.bus.eventBusArn,
      description: "ARN of the change-event bus",
    });
    new CfnOutput(this, OUTPUTS.alarmTopicArn, {
      value: this.monitoring.alarmTopic.topicArn,
      description: "SNS topic every alarm notifies (subscribe to it, or -c alarmEmail=…)",
    });
    new CfnOutput(this, OUTPUTS.serverId, {
      value: serverId,
      description: "Server id for AWS logins (SCOPED_SECRETS_SERVER_ID of agents)",
    });
  }
}
