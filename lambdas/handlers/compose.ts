import { createApp } from "../api/app.ts";
import type { ChangeEvents } from "../core/ports.ts";
import type { PublishFailure } from "../events/eventbridge-events.ts";
import { type ApiRuntime, type ComposeOptions, composeRuntime } from "./compose-runtime.ts";

export type { ApiRuntime, ComposeOptions } from "./compose-runtime.ts";

/**
 * Composes the whole API (every route, validated with zod, the OpenAPI document generated at run time) for
 * the writer function and tests; the reader function composes its own app (handlers/reader.ts) and never
 * loads the EventBridge client.
 */
export const composeApi = (
  environment: Record<string, string | undefined>,
  options: ComposeOptions = {},
): Promise<ApiRuntime> => composeRuntime(createApp, environment, options, eventBridgeEvents);

/** The EventBridge publisher, imported on demand: the bundle then evaluates the client's code only where it is used. */
async function eventBridgeEvents(
  busName: string,
  region: string | undefined,
  onFailure: (failure: PublishFailure) => void,
): Promise<ChangeEvents> {
  const [{ EventBridgeClient }, { EventBridgeEvents }] = await Promise.all([
    import("@aws-sdk/client-eventbridge"),
    import("../events/eventbridge-events.ts"),
  ]);
  const client = new EventBridgeClient({ ...(region ? { region } : {}), maxAttempts: 2 });
  return new EventBridgeEvents(client, busName, { onFailure });
}
