/**
 * A dotenv reader and writer that round-trip any value exactly: multi-line PEM keys, both quote
 * characters, `$`, `=`, `#`, leading and trailing spaces. No `${VAR}` expansion: `$` is always literal.
 *
 * Reading: `NAME=value` or `export NAME=value`; `#` comments; unquoted values end at the line end or at
 * a ` #` comment and are trimmed; '…' and `…` are literal and may span lines; "…" may span lines and
 * understands \n \r \t \\ \" \$ \` (any other backslash stays as written). CRLF line ends read as LF.
 * Writing: plain values bare, otherwise '…' when the value has no ' or CR, else "…" with escapes.
 */

export interface DotenvEntry {
  name: string;
  value: string;
  /** 1-based line where the entry starts. */
  line: number;
}

export class DotenvError extends Error {
  override name = "DotenvError";
}

const NAME = /[A-Za-z0-9_.-]+/y;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"', $: "$", "`": "`" };

export function parseDotenv(input: string): DotenvEntry[] {
  const text = input.replace(/\r\n/g, "\n").replace(/^\uFEFF/, "");
  const entries: DotenvEntry[] = [];
  let pos = 0;
  let line = 1;
  const fail = (message: string): never => {
    throw new DotenvError(`line ${line}: ${message}`);
  };
  const skipBlanks = () => {
    while (text[pos] === " " || text[pos] === "\t") pos++;
  };
  const restOfLine = () => {
    skipBlanks();
    if (text[pos] === "#") while (pos < text.length && text[pos] !== "\n") pos++;
    if (pos < text.length && text[pos] !== "\n") fail("unexpected text after the closing quote");
  };
  while (pos < text.length) {
    skipBlanks();
    const ch = text[pos];
    if (ch === "\n") {
      pos++;
      line++;
      continue;
    }
    if (ch === "#") {
      while (pos < text.length && text[pos] !== "\n") pos++;
      continue;
    }
    if (text.startsWith("export", pos) && /[ \t]/.test(text[pos + 6] ?? "")) {
      pos += 6;
      skipBlanks();
    }
    NAME.lastIndex = pos;
    const name = NAME.exec(text)?.[0];
    if (!name) fail("expected NAME=value");
    pos += (name as string).length;
    skipBlanks();
    if (text[pos] !== "=") fail(`expected = after ${name}`);
    pos++;
    skipBlanks();
    const startLine = line;
    const quote = text[pos];
    let value = "";
    if (quote === "'" || quote === "`") {
      const end = text.indexOf(quote, pos + 1);
      if (end < 0) fail(`${name}: the ${quote} quote is never closed`);
      value = text.slice(pos + 1, end);
      line += countNewlines(value);
      pos = end + 1;
      restOfLine();
    } else if (quote === '"') {
      pos++;
      for (;;) {
        const c = text[pos];
        if (c === undefined) fail(`${name}: the " quote is never closed`);
        if (c === '"') break;
        if (c === "\\" && pos + 1 < text.length) {
          const next = text[pos + 1] as string;
          value += ESCAPES[next] ?? `\\${next}`;
          if (next === "\n") line++;
          pos += 2;
          continue;
        }
        if (c === "\n") line++;
        value += c;
        pos++;
      }
      pos++;
      restOfLine();
    } else {
      const end = text.indexOf("\n", pos);
      const raw = text.slice(pos, end < 0 ? text.length : end);
      const comment = raw.search(/[ \t]#/);
      value = (comment < 0 ? raw : raw.slice(0, comment)).trim();
      pos = end < 0 ? text.length : end;
    }
    entries.push({ name: name as string, value, line: startLine });
  }
  return entries;
}

const countNewlines = (s: string) => s.split("\n").length - 1;

/** One NAME=value line (several lines for a multi-line value). */
export function formatDotenvLine(name: string, value: string): string {
  if (/^[A-Za-z0-9_./:@%+,-]+$/.test(value)) return `${name}=${value}`;
  if (!value.includes("'") && !value.includes("\r")) return `${name}='${value}'`;
  const escaped = value.replace(/[\\"$`\n\r\t]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\${c}`,
  );
  return `${name}="${escaped}"`;
}

export function formatDotenv(
  entries: ReadonlyArray<{ name: string; value: string }>,
  header?: string,
): string {
  const lines = entries.map((e) => formatDotenvLine(e.name, e.value));
  return `${header ? `# ${header}\n` : ""}${lines.join("\n")}${lines.length ? "\n" : ""}`;
}
