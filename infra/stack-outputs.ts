import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";

export interface DescribeStackOutputsOptions {
  stackName: string;
  /** A client for the stack's region; default the SDK's configuration (region and credentials chain). */
  client?: CloudFormationClient | undefined;
  region?: string | undefined;
}

/** A CloudFormation call failed; the message says what to do. */
export class StackLookupError extends Error {
  override name = "StackLookupError";
}

/** The outputs of a deployed stack (CloudFormation DescribeStacks), as OutputKey → OutputValue. */
export async function describeStackOutputs(
  options: DescribeStackOutputsOptions,
): Promise<Record<string, string>> {
  const client = options.client ?? new CloudFormationClient(options.region ? { region: options.region } : {});
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: options.stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw notFound(options.stackName);
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } catch (e) {
    if (e instanceof StackLookupError) throw e;
    const err = e as { name?: string; message?: string };
    if (err.name === "ValidationError" && /does not exist/i.test(err.message ?? ""))
      throw notFound(options.stackName);
    if (err.name === "CredentialsProviderError")
      throw new StackLookupError(
        "no AWS credentials found; configure them as for the AWS CLI (or pass --table)",
      );
    throw new StackLookupError(
      `CloudFormation DescribeStacks failed: ${err.name ?? "error"}: ${err.message ?? ""}`,
    );
  } finally {
    if (!options.client) client.destroy();
  }
}

const notFound = (stackName: string) =>
  new StackLookupError(
    `stack ${stackName} was not found in this region; deploy it with \`npx cdk deploy\`, or pass --stack/--region/--table`,
  );
