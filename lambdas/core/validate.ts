import { invalid } from "./errors.ts";

/** Validates one field with its schema; the first issue becomes a 400 that names the field. */
export function parse<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } };
  },
  value: unknown,
  key: string,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw invalid(key, r.error.issues[0]?.message ?? `${key} is not valid`);
}
