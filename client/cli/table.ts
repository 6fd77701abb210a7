/** Renders rows as aligned columns under a header; empty cells show as "-". */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>,
): string {
  const cells = [
    header,
    ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === "" ? "-" : String(c)))),
  ];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** 2024-05-01T10:00:00.000Z → 2024-05-01 10:00:00Z */
export const shortTime = (iso: string | null | undefined): string =>
  iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "";
