import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  Annotations,
  Aws,
  DefaultStackSynthesizer,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Validations,
} from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import { BucketDeployment, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";

export interface AdminUiProps {
  /** The built UI (`npm run build:web` writes web/dist). Missing → only config.json is deployed. */
  webDistDir: string;
  logRetention: logs.RetentionDays;
}

/**
 * The admin UI's Content-Security-Policy: the local server's (local/static.ts), except that the API is on
 * another origin here. connect-src names API Gateway's endpoints in the stack's region rather than the
 * API's own URL: the API's CORS setting names this distribution, so naming the API here would be a
 * circular dependency. Scripts, styles and images still come from the UI's own origin only.
 */
export function uiContentSecurityPolicy(apiOrigins: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${apiOrigins}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/**
 * The admin UI: a private bucket, readable only by CloudFront through origin access control. The UI learns
 * where the API is from /config.json, written at deploy time (see `deploy`).
 */
export class AdminUi extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** Whether web/dist was found and deployed. */
  readonly hasAssets: boolean;

  constructor(scope: Construct, id: string, props: AdminUiProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, "Bucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Only build output lives here, and the deployment empties it on delete (retainOnDelete: false).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stack = Stack.of(this);
    // CloudFront names (origin access control, response headers policy) are unique per account, not per
    // region: the region and the stack's own id keep the same stack deployable in two regions (OAC names are
    // at most 64 characters: "ui-" + region + "-" + a 36-character UUID).
    const uniqueName = `ui-${Aws.REGION}-${Fn.select(2, Fn.split("/", Aws.STACK_ID))}`;
    const originAccessControl = new cloudfront.S3OriginAccessControl(this, "Oac", {
      originAccessControlName: uniqueName,
      description: `scoped-secrets admin UI (${stack.stackName})`,
    });
    const headers = new cloudfront.ResponseHeadersPolicy(this, "Headers", {
      responseHeadersPolicyName: uniqueName,
      comment: `scoped-secrets admin UI (${stack.stackName}): CSP, HSTS, nosniff, no framing, no referrer`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: uiContentSecurityPolicy(
            `https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`,
          ),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, "Cdn", {
      comment: "scoped-secrets admin UI",
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket, { originAccessControl }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    acknowledge(this.bucket, {
      "AwsSolutions-S1":
        "holds only the public build of the admin UI behind CloudFront; requests are visible in CloudFront, and the API logs every call",
    });
    acknowledge(this.distribution, {
      "AwsSolutions-CFR1": "operators anywhere use the admin UI; it holds no data, the API enforces access",
      "AwsSolutions-CFR2":
        "static files only; every data request goes to the API, which authenticates and throttles it",
      "AwsSolutions-CFR3":
        "static files only, no data: access logs would need another bucket and add nothing the API logs miss",
      "AwsSolutions-CFR4":
        "the default *.cloudfront.net certificate cannot pin TLS 1.2; attach a custom domain and ACM certificate to do so",
    });
    this.hasAssets = existsSync(join(props.webDistDir, "index.html"));
    if (!this.hasAssets)
      Annotations.of(this).addWarningV2(
        "scoped-secrets:no-web-dist",
        `${props.webDistDir} has no index.html: the admin UI is not deployed (only config.json). ` +
          "Run `npm run build:web`, then `npx cdk deploy` again.",
      );
  }

  /** Uploads web/dist (when built) and config.json `{apiUrl}`, then invalidates the CDN. */
  deploy(apiUrl: string, props: AdminUiProps): BucketDeployment {
    const deployment = new BucketDeployment(this, "Deploy", {
      sources: [
        // The build's own config.json (local: same origin) gives way to the one naming the API.
        ...(this.hasAssets ? [Source.asset(props.webDistDir, { exclude: ["config.json"] })] : []),
        Source.jsonData("config.json", { apiUrl }),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ["/*"],
      retainOnDelete: false,
      memoryLimit: 256,
      logGroup: new logs.LogGroup(this, "DeployLogs", {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    acknowledgeBucketDeploymentHandler(Stack.of(this), this.bucket);
    return deployment;
  }

  /** The UI's origin, for CORS on the API. */
  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}

function acknowledge(scope: Construct, reasons: Record<string, string>): void {
  for (const [rule, reason] of Object.entries(reasons))
    Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}

/**
 * CDK's own BucketDeployment handler (a stack-level singleton, Python): its runtime, managed policy and
 * S3 permissions are CDK's, it runs only during deployments, and it touches only the asset and UI buckets.
 */
function acknowledgeBucketDeploymentHandler(stack: Stack, bucket: s3.Bucket): void {
  const handler = stack.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
  if (!handler) return;
  // Findings name resources as cdk-nag prints them: the UI bucket's logical id, the bootstrap asset bucket.
  const bucketId = stack.resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId);
  const qualifier =
    stack.node.tryGetContext("@aws-cdk/core:bootstrapQualifier") ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const why = "CDK's BucketDeployment handler, which runs only while deploying the admin UI";
  acknowledge(handler, {
    "AwsSolutions-L1": `${why}; CDK chooses and updates its runtime`,
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": `${why}; the managed policy only lets it write its own logs`,
    "AwsSolutions-IAM5[Action::s3:GetObject*]": `${why}: reads the CDK asset it copies`,
    "AwsSolutions-IAM5[Action::s3:GetBucket*]": `${why}: reads bucket metadata to sync`,
    "AwsSolutions-IAM5[Action::s3:List*]": `${why}: lists objects to sync and prune`,
    "AwsSolutions-IAM5[Action::s3:DeleteObject*]": `${why}: prunes files a new UI build no longer has`,
    "AwsSolutions-IAM5[Action::s3:Abort*]": `${why}: aborts failed multipart uploads`,
    [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*]`]: `${why}: reads from the CDK asset bucket only`,
    [`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`]: `${why}: writes into the UI bucket only`,
    "AwsSolutions-IAM5[Resource::*]": `${why}: CloudFront invalidations cannot be scoped to one distribution`,
  });
}
