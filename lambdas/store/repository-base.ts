import { translateDynamoError } from "./errors.ts";
import type { DocSender } from "./lean-dynamo.ts";

/** Shared plumbing for the repositories: the table name and one place that translates SDK errors. */
export abstract class RepositoryBase {
  constructor(
    protected readonly doc: DocSender,
    protected readonly table: string,
  ) {}

  /** Runs one SDK call; every error leaves as an AppError. */
  protected async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.translate(e);
    }
  }

  protected translate(e: unknown) {
    return translateDynamoError(e, this.table);
  }
}

/** Drops the table's own attributes so domain objects never carry key shapes. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, kind: _kind, listKind: _lk, ttl: _ttl, ...rest } = item;
  return rest as T;
}
