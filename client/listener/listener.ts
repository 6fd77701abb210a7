import type { Secret } from "../sdk/api-types.ts";
import { type ResolvedSecret, type Scope, SecretsClient } from "../sdk/secrets-client.ts";
import { matchTopic } from "./topic.ts";

/** Where an event happened. environmentId (and spaceId, when set) scope `event.secrets`. */
export interface EventContext {
  environmentId?: string | undefined;
  spaceId?: string | undefined;
  [key: string]: unknown;
}

/** The options argument of `event.secrets`, as in @flatfile/listener (actorId is accepted and not used). */
export interface SecretsOptions {
  environmentId?: string | undefined;
  spaceId?: string | undefined;
  actorId?: string | undefined;
}

export interface ListenerEvent<P = unknown> {
  topic: string;
  context: EventContext;
  payload: P;
  /**
   * The value of secret `name` in the event's scope, or in the environmentId/spaceId of `options`
   * (each falls back to the event's own, as in @flatfile/listener). Fetched once per event.
   */
  secrets(name: string, options?: SecretsOptions): Promise<string>;
}

export interface DispatchInput<P = unknown> {
  topic: string;
  context?: EventContext | undefined;
  payload?: P;
}

export type EventHandler<P = unknown> = (event: ListenerEvent<P>) => unknown;

/** What one `event.secrets` fetch resolved to (never the value): for runners and logs. */
export interface SecretResolution {
  name: string;
  scope: Scope;
  secret: Omit<Secret, "value">;
  stale: boolean;
}

export interface ListenerOptions {
  /** The client `event.secrets` reads through; default a SecretsClient from the environment, made on first use. */
  client?: SecretsClient | undefined;
  /** Called after each secret fetched for an event (not for repeats served from the event's cache). */
  onSecret?: ((resolution: SecretResolution) => void) | undefined;
}

/**
 * Routes events to handlers by topic pattern, with the surface of @flatfile/listener's `on`,
 * `dispatchEvent` and `event.secrets`, so one listener module runs under either. Unlike that package,
 * a handler's error is not swallowed: dispatchEvent rejects with it (after every matching handler ran).
 */
export class Listener {
  private handlers: Array<{ pattern: string | readonly string[]; handler: EventHandler<unknown> }> = [];
  private client: SecretsClient | undefined;

  constructor(private readonly options: ListenerOptions = {}) {
    this.client = options.client;
  }

  /** Runs `handler` for every event whose topic matches `pattern` ("**", "job:*", "job:ready"…). */
  on<P = unknown>(pattern: string | readonly string[], handler: EventHandler<P>): this {
    if (typeof handler !== "function")
      throw new TypeError("listener.on(pattern, handler): handler must be a function");
    this.handlers.push({ pattern, handler: handler as EventHandler<unknown> });
    return this;
  }

  /** Removes handlers registered with this pattern (and this handler, when given). */
  off<P = unknown>(pattern: string | readonly string[], handler?: EventHandler<P>): this {
    const same = (p: string | readonly string[]) => JSON.stringify(p) === JSON.stringify(pattern);
    this.handlers = this.handlers.filter(
      (h) => !(same(h.pattern) && (!handler || h.handler === (handler as EventHandler<unknown>))),
    );
    return this;
  }

  /** `listener.use(plugin)` calls `plugin(listener)`, as in @flatfile/listener. */
  use(plugin: (listener: this) => void): this {
    plugin(this);
    return this;
  }

  /** How many handlers an event with this topic would run. */
  countHandlers(topic: string): number {
    return this.handlers.filter((h) => matchTopic(h.pattern, topic)).length;
  }

  /** Runs the matching handlers one after another; rejects with a handler's error (AggregateError for several). */
  async dispatchEvent<P = unknown>(input: DispatchInput<P>): Promise<void> {
    const event = this.createEvent(input);
    const errors: unknown[] = [];
    for (const { pattern, handler } of [...this.handlers]) {
      if (!matchTopic(pattern, event.topic)) continue;
      try {
        await handler(event);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1)
      throw new AggregateError(errors, `${errors.length} handlers failed for ${event.topic}`);
  }

  private createEvent<P>(input: DispatchInput<P>): ListenerEvent<P> {
    const context: EventContext = { ...(input.context ?? {}) };
    const fetched = new Map<string, Promise<string>>();
    const secrets = (name: string, options?: SecretsOptions): Promise<string> => {
      const environmentId = options?.environmentId || context.environmentId;
      const spaceId = options?.spaceId || context.spaceId || undefined;
      if (!environmentId)
        return Promise.reject(
          new Error(
            `event.secrets("${name}"): no environmentId; dispatch the event with context.environmentId or pass { environmentId }`,
          ),
        );
      const key = `${environmentId}\u0000${spaceId ?? ""}\u0000${name}`;
      let pending = fetched.get(key);
      if (!pending) {
        pending = this.fetchValue(name, { environmentId, spaceId });
        fetched.set(key, pending);
        // A failure is not remembered: a handler may catch it and ask again.
        pending.catch(() => fetched.delete(key));
      }
      return pending;
    };
    return { topic: input.topic, context, payload: input.payload as P, secrets };
  }

  private async fetchValue(name: string, scope: Scope): Promise<string> {
    this.client ??= new SecretsClient();
    const secret: ResolvedSecret = await this.client.get(name, scope);
    const { value, stale, ...rest } = secret;
    this.options.onSecret?.({ name, scope, secret: rest, stale: stale === true });
    if (value === undefined)
      throw new Error(
        `event.secrets("${name}"): this token may not read values; agents need an agent (or admin) token`,
      );
    return value;
  }
}
