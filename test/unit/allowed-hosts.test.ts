import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { allowedHosts, misdirected } from "../../local/allowed-hosts.ts";

describe("allowedHosts (the local server's Host check)", () => {
  it("allows loopback names and the configured HOST, with or without a port, any case", () => {
    const ok = allowedHosts("127.0.0.1");
    for (const h of [
      "localhost",
      "LocalHost:8787",
      "127.0.0.1",
      "127.0.0.1:1",
      "[::1]",
      "[::1]:8787",
      "localhost.",
    ])
      expect(ok(h), h).toBe(true);
    expect(allowedHosts("myhost.internal")("myhost.internal:8787")).toBe(true);
    expect(allowedHosts("::1")("[::1]:8787")).toBe(true);
  });

  it("refuses other names, look-alikes and an absent header", () => {
    const ok = allowedHosts("127.0.0.1");
    for (const h of [
      "evil.example",
      "localhost.evil.example",
      "127.0.0.1.nip.io",
      "127.0.0.2",
      "[::2]",
      "",
      "myhost",
    ])
      expect(ok(h), h).toBe(false);
    expect(ok(undefined)).toBe(false);
  });

  it("a wildcard HOST also allows this machine's interface addresses", () => {
    const ok = allowedHosts("0.0.0.0");
    const addresses = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
    for (const a of addresses) expect(ok(a.includes(":") ? `[${a}]:8787` : `${a}:8787`), a).toBe(true);
    expect(ok("evil.example")).toBe(false);
  });

  it("the refusal is a 421 JSON error that says what to do", async () => {
    const res = misdirected();
    expect(res.status).toBe(421);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect((await res.json()).errors[0]).toMatchObject({ key: "Host" });
  });
});
