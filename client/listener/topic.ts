/**
 * Topic patterns as @flatfile/listener reads them: segments separated by ":", `**` matches any
 * number of segments (including none), `*` any run of characters inside one segment, `?` one character.
 * `"**"` matches every topic; `"job:*"` matches `job:ready` but not `job:ready:now`.
 */
export function matchTopic(pattern: string | readonly string[], topic: string): boolean {
  if (typeof pattern !== "string") return pattern.some((p) => matchTopic(p, topic));
  return matchSegments(pattern.split(":"), topic.split(":"));
}

function matchSegments(pattern: readonly string[], topic: readonly string[]): boolean {
  const [head, ...rest] = pattern;
  if (head === undefined) return topic.length === 0;
  if (head === "**") {
    for (let i = 0; i <= topic.length; i++) if (matchSegments(rest, topic.slice(i))) return true;
    return false;
  }
  const [first, ...others] = topic;
  return first !== undefined && segmentRegex(head).test(first) && matchSegments(rest, others);
}

const compiled = new Map<string, RegExp>();

function segmentRegex(segment: string): RegExp {
  let re = compiled.get(segment);
  if (!re) {
    const body = segment
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`, "s");
    compiled.set(segment, re);
  }
  return re;
}
