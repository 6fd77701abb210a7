import { networkInterfaces } from "node:os";

const LOOPBACK = ["localhost", "127.0.0.1", "::1"];
const WILDCARD = new Set(["0.0.0.0", "::", ""]);

/**
 * The Host header values the local server answers: loopback names and the configured HOST (with any
 * port). A browser page on another site whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) sends
 * its own name as Host, and is refused. A wildcard HOST also allows this machine's interface addresses.
 */
export function allowedHosts(host: string): (header: string | undefined) => boolean {
  const names = new Set([...LOOPBACK, normalise(host)]);
  if (WILDCARD.has(host))
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) names.add(normalise(a.address));
  return (header) => {
    if (!header) return false;
    return names.has(normalise(hostname(header.trim())));
  };
}

/** The name part of a Host header: `[::1]:8787` → `::1`, `localhost:8787` → `localhost`. */
function hostname(header: string): string {
  if (header.startsWith("[")) {
    const end = header.indexOf("]");
    return end < 0 ? header : header.slice(1, end);
  }
  const colon = header.indexOf(":");
  // More than one colon and no brackets: a bare IPv6 address, which a Host header may not carry but HOST may.
  return colon >= 0 && header.indexOf(":", colon + 1) < 0 ? header.slice(0, colon) : header;
}

const normalise = (name: string) =>
  name
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();

/** The JSON a refused Host gets (421 Misdirected Request: this server does not serve that name). */
export function misdirected(): Response {
  return Response.json(
    {
      errors: [
        {
          key: "Host",
          message:
            "this server answers only to localhost, 127.0.0.1, [::1] and its configured HOST; connect by one of those names",
        },
      ],
    },
    { status: 421, headers: { "cache-control": "no-store" } },
  );
}
