import { ulid } from "ulid";

export type IdKind = "env" | "sp" | "sec" | "tok" | "evt" | "awsid";

/** Server-generated ids: a kind prefix and a ULID, so ids sort by creation time and say what they name. */
export const newId = (kind: IdKind): string => `${kind}_${ulid().toLowerCase()}`;
