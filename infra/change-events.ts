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

  /**
   * PutEvents on this bus only, and only the service's own events: every entry of a call must have its
   * source and detail-type (EventBridge's documented condition keys for PutEvents, multi-valued across a
   * call's entries, hence ForAllValues), so the writer cannot pose as another application on the bus.
   */
  publishStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ["events:PutEvents"],
      resources: [this.bus.eventBusArn],
      conditions: {
        "ForAllValues:StringEquals": {
          "events:source": [CHANGE_EVENTS.source],
          "events:detail-type": [CHANGE_EVENTS.detailType],
        },
      },
    });
  }
}
