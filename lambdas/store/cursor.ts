import { invalid } from "../core/errors.ts";

/**
 * Cursors carry only the sort-key position, never a partition key: the repository rebuilds the
 * partition from the caller's scope, so a cursor cannot move a query into another scope.
 */
export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

export function decodeCursor<K extends string>(
  cursor: string | undefined,
  fields: readonly K[],
): Record<K, string> | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null) {
      const out = {} as Record<K, string>;
      for (const f of fields) {
        const v = (parsed as Record<string, unknown>)[f];
        if (typeof v !== "string" || v.length === 0 || v.length > 1024) throw new Error("bad field");
        out[f] = v;
      }
      return out;
    }
  } catch {
    // fall through to the one error below
  }
  throw invalid("cursor", "cursor is not valid; pass the cursor value from the previous page unchanged");
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export function pageLimit(limit: number | undefined, fallback = DEFAULT_PAGE): number {
  if (limit === undefined) return fallback;
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
}
