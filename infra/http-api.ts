import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { RouteEntry } from "../lambdas/api/route-table.ts";
import { AWS_LOGIN_PATH } from "../lambdas/api/routes/auth-aws.ts";
import { ACCESS_LOG_FORMAT, ACCESS_LOG_QUERY, LOG_SETTINGS } from "./log-settings.ts";

export interface HttpApiProps {
  routes: RouteEntry[];
  reader: IFunction;
  writer: IFunction;
  authorizer: IFunction;
  /** How long API Gateway reuses an authorizer answer for the same Authorization header (0–60 s). */
  authorizerCacheTtl: Duration;
  throttle: ThrottleSettings;
  /** POST /v1/auth/aws's own limit (it runs without the authorizer; each attempt calls STS). */
  loginThrottle: Required<ThrottleSettings>;
  logRetention: logs.RetentionDays;
  /** The admin UI's origin (https://…): the only origin CORS allows. */
  corsOrigin?: string | undefined;
}

// No path, query string or header: ids and secret names stay out of the access log; the route key says enough.

/** The HTTP API: one route per entry of the app's route table, GET to the reader, the rest to the writer. */
export class ScopedSecretsHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    if (props.authorizerCacheTtl.toSeconds() > 60)
      throw new Error(
        "the authorizer cache TTL must be at most 60 s: it is how late a revocation takes effect",
      );
    this.api = new HttpApi(this, "Api", {
      description: "scoped-secrets v1 API",
      createDefaultStage: false,
      corsPreflight: props.corsOrigin
        ? {
            allowOrigins: [props.corsOrigin],
            allowHeaders: ["authorization", "content-type", "if-match"],
            allowMethods: [
              CorsHttpMethod.GET,
              CorsHttpMethod.POST,
              CorsHttpMethod.PATCH,
              CorsHttpMethod.DELETE,
            ],
            exposeHeaders: ["x-request-id", "retry-after"],
            maxAge: Duration.minutes(10),
          }
        : undefined,
    });
    // Access logs carry route keys, statuses and token ids, never values; the audit trail is in the table.
    // Named under /aws/vendedlogs/: log delivery then needs no growing account-wide resource policy (5,120
    // characters at most, CloudWatch Logs docs). Log group names are per region, like stack names.
    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      logGroupName: accessLogGroupName(Stack.of(this).stackName),
      retention: props.logRetention,
      logGroupClass: logs.LogGroupClass[LOG_SETTINGS.accessLogClass],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, "Stage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    // The line is space-separated to cost fewer bytes; this saved query (free) names its fields in Logs Insights.
    new logs.QueryDefinition(this, "AccessLogQuery", {
      queryDefinitionName: accessLogQueryName(Stack.of(this).stackName),
      logGroups: [accessLogs],
      queryString: new logs.QueryString({
        fields: [...ACCESS_LOG_QUERY.fields],
        parseStatements: [ACCESS_LOG_QUERY.parse],
        sort: ACCESS_LOG_QUERY.sort,
        limit: ACCESS_LOG_QUERY.limit,
      }),
    });

    const authorizer = new HttpLambdaAuthorizer("TokenAuthorizer", props.authorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ["$request.header.Authorization"],
      resultsCacheTtl: props.authorizerCacheTtl,
    });
    const reader = new HttpLambdaIntegration("Reader", props.reader);
    const writer = new HttpLambdaIntegration("Writer", props.writer);
    for (const route of props.routes) {
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: route.method === "GET" ? reader : writer,
        ...(route.open ? {} : { authorizer }),
      });
      const login = route.method === "POST" && route.path === AWS_LOGIN_PATH;
      if (route.open && added)
        Validations.of(added).acknowledge({
          id: "AwsSolutions::AwsSolutions-APIG4",
          reason: login
            ? `${route.method} ${route.path} is the AWS IAM login (DESIGN §7): it authenticates the caller itself with a signed sts:GetCallerIdentity, under its own route throttle`
            : `${route.method} ${route.path} is public by design (DESIGN §3): liveness and the API description carry no data`,
        });
      if (login && added) {
        const stage = this.stage.node.defaultChild as CfnStage;
        stage.routeSettings = {
          [`${route.method} ${route.path}`]: {
            ThrottlingRateLimit: props.loginThrottle.rateLimit,
            ThrottlingBurstLimit: props.loginThrottle.burstLimit,
          },
        };
        // Route settings name a route key: the route must exist before the stage refers to it.
        stage.node.addDependency(added);
      }
    }
  }

  /** The access log group, for the tests and docs. */
  static accessLogGroupName = accessLogGroupName;
  /** The saved Logs Insights query that parses the access log (CloudWatch console → Logs Insights → Saved). */
  static accessLogQueryName = accessLogQueryName;

  /** The API's base URL without a trailing slash (clients append /v1/…). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}

function accessLogGroupName(stackName: string): string {
  return `/aws/vendedlogs/apigateway/${stackName}/access`;
}

function accessLogQueryName(stackName: string): string {
  return `scoped-secrets/${stackName}/access-log`;
}
