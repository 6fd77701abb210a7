import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { HttpStage } from "aws-cdk-lib/aws-apigatewayv2";
import * as cw from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { TELEMETRY } from "../lambdas/handlers/telemetry.ts";

export interface MonitoringProps {
  dashboardName: string;
  stage: HttpStage;
  functions: Record<string, IFunction>;
  /** Subscribed to the alarm topic by e-mail (`-c alarmEmail=…`); AWS sends a confirmation first. */
  alarmEmail?: string | undefined;
}

const PERIOD = Duration.minutes(1);

/** A metric the functions emit through Powertools (EMF), summed per period. */
const appMetric = (metricName: string, label: string) =>
  new cw.Metric({
    namespace: TELEMETRY.namespace,
    metricName,
    dimensionsMap: { service: TELEMETRY.service },
    statistic: cw.Stats.SUM,
    period: PERIOD,
    label,
  });

/** The operators' view in the AWS console: one dashboard and the alarms worth waking up for. */
export class Monitoring extends Construct {
  readonly dashboard: cw.Dashboard;
  readonly alarms: cw.Alarm[] = [];
  /** Every alarm notifies this topic when it fires and when it recovers. */
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.alarmTopic = alarmTopic(this, props.alarmEmail);
    const { stage } = props;
    const m = TELEMETRY.metrics;
    const requests = stage.metricCount({ period: PERIOD, statistic: cw.Stats.SUM, label: "requests" });
    const clientErrors = stage.metricClientError({ period: PERIOD, statistic: cw.Stats.SUM, label: "4xx" });
    const serverErrors = stage.metricServerError({ period: PERIOD, statistic: cw.Stats.SUM, label: "5xx" });
    const serverErrorRate = new cw.MathExpression({
      expression: "IF(requests > 0, 100 * errors / requests, 0)",
      usingMetrics: { requests, errors: serverErrors },
      period: PERIOD,
      label: "5xx rate (%)",
    });
    const hits = appMetric(m.dataKeyCacheHits, "hits");
    const misses = appMetric(m.dataKeyCacheMisses, "misses");
    const hitRatio = new cw.MathExpression({
      expression: "IF(hits + misses > 0, 100 * hits / (hits + misses), 100)",
      usingMetrics: { hits, misses },
      period: PERIOD,
      label: "data-key cache hit ratio (%)",
    });
    const fns = Object.entries(props.functions);
    const changeEventFailures = appMetric(m.changeEventFailures, "change events not published");

    this.dashboard = new cw.Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cw.GraphWidget({ title: "Requests", left: [requests], width: 8 }),
      new cw.GraphWidget({ title: "Errors (4xx, 5xx)", left: [clientErrors, serverErrors], width: 8 }),
      new cw.GraphWidget({
        title: "Latency (ms)",
        left: [
          stage.metricLatency({ period: PERIOD, statistic: "p50", label: "p50" }),
          stage.metricLatency({ period: PERIOD, statistic: "p99", label: "p99" }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: "Authorizer",
        left: [appMetric(m.authorizerDenials, "denials"), appMetric(m.authorizerAllows, "allows")],
        right: [appMetric(m.authorizerErrors, "errors (datastore unreachable)")],
        width: 8,
      }),
      new cw.GraphWidget({
        title: "KMS calls",
        left: [
          appMetric(m.keyringGenerateDataKey, "GenerateDataKey"),
          appMetric(m.keyringDecrypt, "Decrypt"),
        ],
        width: 8,
      }),
      new cw.GraphWidget({
        title: "Data-key cache hit ratio (%)",
        left: [hitRatio],
        leftYAxis: { min: 0, max: 100 },
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: "Function errors and throttles",
        left: fns.map(([name, fn]) => fn.metricErrors({ period: PERIOD, label: `${name} errors` })),
        right: fns.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, label: `${name} throttles` })),
        width: 8,
      }),
      new cw.GraphWidget({
        title: "Function duration p99 (ms)",
        left: fns.map(([name, fn]) => fn.metricDuration({ period: PERIOD, statistic: "p99", label: name })),
        width: 8,
      }),
      new cw.GraphWidget({
        title: "Change events not published",
        left: [changeEventFailures],
        width: 8,
      }),
    );

    this.alarms.push(
      serverErrorRate.createAlarm(this, "ServerErrorRate", {
        alarmDescription: "More than 1% of API requests answered 5xx in 3 of the last 5 minutes",
        threshold: 1,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    );
    // The write stood but subscribers missed it (docs/events.md): they must re-read, so say so at once.
    this.alarms.push(
      changeEventFailures.createAlarm(this, "ChangeEventPublishFailures", {
        alarmDescription:
          "A change event did not reach the event bus (the write succeeded; subscribers missed it and should re-read)",
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const [name, fn] of fns) {
      this.alarms.push(
        fn.metricErrors({ period: PERIOD }).createAlarm(this, `${name}Errors`, {
          alarmDescription: `The ${name} function failed (uncaught errors, timeouts) in 2 of the last 5 minutes`,
          threshold: 0,
          evaluationPeriods: 5,
          datapointsToAlarm: 2,
          comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        }),
        fn.metricThrottles({ period: PERIOD }).createAlarm(this, `${name}Throttles`, {
          alarmDescription: `The ${name} function was throttled (account or reserved concurrency reached)`,
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const notify = new SnsAction(this.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }
}

/**
 * An encrypted topic for the alarms. Its own key (not the secrets key, whose policy admits only the
 * functions): CloudWatch must be allowed to use the key to publish, which AWS's managed SNS key refuses.
 */
function alarmTopic(scope: Construct, email: string | undefined): sns.Topic {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, "AlarmTopicKey", {
    description: `scoped-secrets (${stack.stackName}): encrypts the alarm notification topic`,
    enableKeyRotation: true,
    // Notifications only; nothing to keep once the stack is gone.
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  // CloudWatch publishes alarm notifications as itself; only for alarms of this account.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: ["*"],
      conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
    }),
  );
  const topic = new sns.Topic(scope, "AlarmTopic", {
    displayName: `scoped-secrets alarms (${stack.stackName})`,
    masterKey: key,
    enforceSSL: true,
  });
  // The topic policy (enforceSSL) replaces SNS's default one, so say who may publish: CloudWatch alarms of
  // this account.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { "aws:SourceAccount": stack.account },
        ArnLike: {
          "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
        },
      },
    }),
  );
  if (email) topic.addSubscription(new EmailSubscription(email));
  return topic;
}
