import type { Needle } from "./leaks.ts";

/**
 * The forms a secret or token could take in a log line, a file or a table item besides its plain bytes:
 * base64 and base64url (at each of the three byte alignments it could sit at inside a longer encoded blob),
 * hex (either case) and URL encoding (percent and form style). Each form keeps the needle's label plus the
 * encoding, never the text, so a finding never repeats what it found.
 */
export function encodedForms(needles: readonly Needle[]): Needle[] {
  const out: Needle[] = [];
  for (const n of needles) {
    const bytes = Buffer.from(n.text, "utf8");
    for (let offset = 0; offset < 3; offset++) {
      const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
      for (const encoding of ["base64", "base64url"] as const) {
        // Drop the groups the unknown neighbouring bytes would change.
        const core = padded
          .toString(encoding)
          .replace(/=+$/, "")
          .slice(offset ? 4 : 0, -4);
        if (core.length >= 16) out.push({ label: `${n.label} (${encoding}, offset ${offset})`, text: core });
      }
    }
    const hex = bytes.toString("hex");
    out.push(
      { label: `${n.label} (hex)`, text: hex },
      { label: `${n.label} (HEX)`, text: hex.toUpperCase() },
    );
    const percent = encodeURIComponent(n.text);
    if (percent !== n.text) out.push({ label: `${n.label} (url-encoded)`, text: percent });
    const form = new URLSearchParams({ v: n.text }).toString().slice(2);
    if (form !== n.text && form !== percent) out.push({ label: `${n.label} (form-encoded)`, text: form });
  }
  return out;
}
