/**
 * Limits and patterns from DESIGN §3, without zod: core/schemas.ts builds its schemas from these, and the
 * reader function's zod-free checks (api/reads/checks.ts) use them as they are.
 */
export const LIMITS = {
  nameMaxLength: 256,
  valueMaxBytes: 64 * 1024,
  bodyMaxBytes: 128 * 1024,
  idMaxLength: 64,
} as const;

export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
export const SCOPE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
