import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

interface Fault {
  /** SDK command names, e.g. "UpdateItemCommand"; all commands when empty. */
  commands: Set<string>;
  /** How many more calls fail; Infinity for "until healed". */
  remaining: number;
  /** Only calls whose (marshalled) input this accepts fail. */
  when: (input: unknown) => boolean;
  error: () => Error;
}

/**
 * Injects errors into a real DynamoDB client, inside the SDK's retry loop: a throttling error injected here
 * is retried with backoff exactly as one from AWS would be, and only what survives the retries reaches the
 * store. Counts every attempt, so a test can tell that retries happened.
 */
export function injectDynamoFaults(client: DynamoDBClient) {
  let fault: Fault | undefined;
  const attempts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? "unknown";
      attempts.set(command, (attempts.get(command) ?? 0) + 1);
      const matches =
        fault && (fault.commands.size === 0 || fault.commands.has(command)) && fault.when(args.input);
      if (fault && matches && fault.remaining > 0) {
        fault.remaining--;
        throw fault.error();
      }
      return next(args);
    },
    // The deserialize step runs inside the retry middleware (finalizeRequest), once per attempt.
    { step: "deserialize", name: "securityFaultInjector", priority: "low" },
  );
  return {
    fail(
      error: () => Error,
      options: { commands?: string[]; times?: number; when?: (input: unknown) => boolean } = {},
    ) {
      fault = {
        commands: new Set(options.commands ?? []),
        remaining: options.times ?? Infinity,
        when: options.when ?? (() => true),
        error,
      };
    },
    heal() {
      fault = undefined;
    },
    attempts(command: string): number {
      return attempts.get(command) ?? 0;
    },
  };
}

/** DynamoDB's throttling answer, as the SDK raises it after reading the response. */
export const throttled = () =>
  Object.assign(new Error("Throughput exceeds the current capacity of your table or index."), {
    name: "ProvisionedThroughputExceededException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
  });

/** A failed ConditionExpression, as the SDK raises it. */
export const conditionFailed = () =>
  Object.assign(new Error("The conditional request failed"), {
    name: "ConditionalCheckFailedException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
  });
