/** The token from `Authorization: Bearer <token>`, or undefined. The scheme is case-insensitive (RFC 7235). */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
