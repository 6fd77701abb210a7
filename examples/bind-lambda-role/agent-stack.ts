// A separate CDK app for an agent that reads its secrets with its own IAM role: no token to store.
//
//   npx cdk deploy --app "npx tsx examples/bind-lambda-role/agent-stack.ts" \
//     -c secretsUrl=<ApiUrl> -c serverId=<ServerId>        (outputs of the ScopedSecrets stack)
//
// then bind the role once (admin token; see docs/deploy.md, "AWS identities"):
//
//   curl -X POST "$SCOPED_SECRETS_URL/v1/aws-identities" -H "authorization: Bearer $ADMIN_TOKEN" \
//     -H "content-type: application/json" \
//     -d '{"name":"billing agent","principalArn":"<AgentRoleArn output>","role":"agent","environmentId":"us_env_123"}'
import { join } from "node:path";
import { App, CfnOutput, Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";

const app = new App();
const stack = new Stack(app, "BillingAgent");
const secretsUrl = String(
  app.node.tryGetContext("secretsUrl") ?? "https://<api-id>.execute-api.<region>.amazonaws.com",
);
const serverId = String(app.node.tryGetContext("serverId") ?? "<ServerId output of the ScopedSecrets stack>");

// The role the function runs as is its identity. GetCallerIdentity needs no IAM permission, so the role
// needs nothing beyond logging; what it may read is decided by its binding in scoped-secrets.
const role = new iam.Role(stack, "AgentRole", {
  assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
  managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSLambdaBasicExecutionRole")],
});

new NodejsFunction(stack, "Agent", {
  entry: join(import.meta.dirname, "agent.ts"),
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  role,
  timeout: Duration.seconds(30),
  bundling: {
    format: OutputFormat.ESM,
    // awsIam() loads these on first use; ship them with the function.
    nodeModules: ["@smithy/signature-v4", "@aws-sdk/credential-provider-node"],
  },
  environment: {
    SCOPED_SECRETS_URL: secretsUrl,
    // Not a secret: it names the deployment, so a login signed for it cannot be replayed elsewhere.
    SCOPED_SECRETS_SERVER_ID: serverId,
    // Clients made without a token (a Listener's default one too) log in with this function's role.
    SCOPED_SECRETS_AUTH: "aws-iam",
  },
});

// Bind this ARN. STS reports the role without its path; bindings match by account and role name.
new CfnOutput(stack, "AgentRoleArn", { value: role.roleArn });
