import { Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { CHANGE_EVENTS } from "./names.ts";

/**
 * The stack's own EventBridge bus for change events (create, update, delete, rollback of a secret): facts,
 * never values. Subscribers add rules on it (docs/deploy.md); the writer function publishes with PutEvents.
 */
export class ChangeEvents extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Bus names are unique per account and region, like stack names.
    this.bus = new events.EventBus(this, "Bus", {
      eventBusName: `${Stack.of(this).stackName}-changes`,
      description: "scoped-secrets change events (names and versions, never values)",
    });
  }

  /** PutEvents on this bus only, and only with the service's own source (it cannot pose as another app). */
  publishStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ["events:PutEvents"],
      resources: [this.bus.eventBusArn],
      conditions: { StringEquals: { "events:source": CHANGE_EVENTS.source } },
    });
  }
}
