import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTarget, TARGET_START_TIMEOUT_MS, TARGETS, type Target } from "../support/targets.ts";
import { findInText, type Needle } from "./support/leaks.ts";
import { Tally } from "./support/tally.ts";
import { counted, createSecret, createToken, secretValue } from "./support/world.ts";

const RUNS = 600;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** A raw HTTP/1.1 request: any method, a body on any method, any header value node:http lets through. */
function send(base: URL, r: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: r.method,
        path: r.path,
        // A fresh connection per request: an early answer (413) must not poison the next request's socket.
        agent: false,
        headers: { ...r.headers, ...(r.body ? { "content-length": String(r.body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(r.body);
  });
}

/**
 * Issue 9, part 5: property-based hostile requests against the real local server: random methods, paths
 * (the app's own routes with hostile ids, and garbage), headers, query strings, bodies (random JSON, unicode,
 * lone surrogates, bytes, oversized, deeply nested). Every answer is JSON with a 2xx or 4xx status; the
 * server never answers 5xx, never echoes a value, and keeps serving.
 */
describe.each(TARGETS)("security: fuzzing the HTTP API ($name)", ({ name, skip }) => {
  if (skip) return void it.skip(skip, () => {});
  const tally = new Tally(`fuzz ${name}`);
  let s: Target;
  let tokens: Record<string, string>;
  let needles: Needle[];
  const failures: string[] = [];
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    s = await startTarget(name);
    const call = counted(s, tally);
    await call("POST", "/v1/environments", { token: s.adminToken, body: { id: "env_f", name: "f" } });
    await call("POST", "/v1/spaces", {
      token: s.adminToken,
      body: { environmentId: "env_f", id: "spc_f", name: "f" },
    });
    const secret = await createSecret(
      call,
      s.adminToken,
      { environmentId: "env_f" },
      "FUZZ",
      secretValue("fuzz"),
    );
    const agent = await createToken(call, s.adminToken, {
      label: "agent",
      role: "agent",
      environmentId: "env_f",
    });
    const operator = await createToken(call, s.adminToken, {
      label: "operator",
      role: "operator",
      environmentId: "env_f",
    });
    tokens = { admin: s.adminToken, agent: agent.token, operator: operator.token };
    needles = [
      { label: "value of FUZZ", text: secret.value },
      ...Object.entries(tokens).map(([label, text]) => ({ label: `${label} token`, text })),
    ];
  }, TARGET_START_TIMEOUT_MS);

  afterAll(async () => {
    tally.print();
    await s?.stop();
  });

  function arbitraries() {
    const routes = s.routes();
    const anyMethod = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE");
    const hostileText = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.constantFrom(
        "",
        "..",
        "%",
        "%zz",
        "%00",
        "%E0%A4%A",
        "\u0000",
        "env_f",
        "spc_f",
        "FUZZ",
        "-",
        "a".repeat(3000),
      ),
    );
    const segment = fc.oneof(
      { weight: 4, arbitrary: hostileText.map((t) => encodeURIComponent(safeUtf16(t))) },
      { weight: 1, arbitrary: hostileText.map(rawSafe) },
    );
    // Mostly the app's own routes with the right method, so requests get past routing into the handlers.
    const fromRoutes = fc
      .tuple(
        fc.constantFrom(...routes),
        fc.array(segment, { minLength: 3, maxLength: 3 }),
        fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyMethod }),
      )
      .map(([route, ids, method]) => {
        let i = 0;
        return {
          method: method ?? route.method,
          path: route.path.replace(/\{[^}]+\}/g, () => ids[i++] || "x"),
        };
      });
    const garbage = fc
      .tuple(anyMethod, fc.array(segment, { maxLength: 6 }))
      .map(([method, parts]) => ({ method, path: `/${parts.join("/")}` }));
    const queryKey = fc.constantFrom(
      "environmentId",
      "spaceId",
      "name",
      "cursor",
      "limit",
      "reveal",
      "actorId",
      "x",
    );
    const query = fc.dictionary(queryKey, segment, { maxKeys: 5 }).map((q) =>
      Object.keys(q).length
        ? `?${Object.entries(q)
            .map(([k, v]) => `${k}=${v}`)
            .join("&")}`
        : "",
    );
    const target = fc
      .tuple(fc.oneof({ weight: 4, arbitrary: fromRoutes }, { weight: 1, arbitrary: garbage }), query)
      .map(([t, q]) => ({ method: t.method, path: t.path + q }));

    const headerValue = fc.string({ maxLength: 60 }).map(latin1);
    const authorization = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...Object.values(tokens)).map((t) => `Bearer ${t}`) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...Object.values(tokens)).map((t) => `bearer   ${t.slice(0, -1)}`),
      },
      { weight: 1, arbitrary: headerValue },
      { weight: 1, arbitrary: headerValue.map((v) => `Bearer ${v}`) },
    );
    const contentType = fc.oneof(
      { weight: 6, arbitrary: fc.constant("application/json") },
      { weight: 1, arbitrary: fc.constant(undefined) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "application/json; charset=utf-8",
          "APPLICATION/JSON",
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
        ),
      },
      { weight: 1, arbitrary: headerValue },
    );

    const depth = fc.integer({ min: 1, max: 20_000 });
    const body = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            name: fc.oneof(fc.constant("FUZZ"), fc.string({ unit: "grapheme", maxLength: 300 })),
            value: fc.oneof(fc.string({ unit: "grapheme", maxLength: 100 }), fc.jsonValue()),
            environmentId: fc.oneof(fc.constantFrom("env_f", "env_nope"), fc.string()),
            spaceId: fc.oneof(fc.constant("spc_f"), fc.string(), fc.integer()),
            expectedVersion: fc.oneof(fc.integer(), fc.double(), fc.string()),
            version: fc.oneof(fc.integer(), fc.string()),
            role: fc.oneof(fc.constantFrom("admin", "operator", "agent"), fc.string()),
            id: fc.string({ unit: "grapheme", maxLength: 80 }),
            constructor: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
      depth.map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
      depth.map((n) => `{"name":"X","value":${"[".repeat(n)}${"]".repeat(n)},"environmentId":"env_f"}`),
      fc
        .integer({ min: 64 * 1024 - 10, max: 300 * 1024 })
        .map((n) => JSON.stringify({ name: "BIG", value: "v".repeat(n), environmentId: "env_f" })),
      fc.constantFrom(
        '{"__proto__":{"role":"admin"},"name":"X","value":"v","environmentId":"env_f"}',
        '{"name":"X","value":"v","environmentId":"env_f","name":"Y"}',
        "{",
        "null",
        '"string"',
        "1e999999",
      ),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    );

    return fc
      .record({
        target,
        authorization,
        contentType,
        ifMatch: fc.option(headerValue, { nil: undefined }),
        extra: fc.dictionary(
          fc.constantFrom("x-disable-hooks", "x-forwarded-for", "accept", "accept-encoding", "origin"),
          headerValue,
          { maxKeys: 3 },
        ),
        body,
      })
      .map(
        (r): FuzzRequest => ({
          method: r.target.method,
          path: r.target.path,
          headers: {
            ...r.extra,
            ...(r.authorization === undefined ? {} : { authorization: r.authorization }),
            ...(r.contentType === undefined ? {} : { "content-type": r.contentType }),
            ...(r.ifMatch === undefined ? {} : { "if-match": r.ifMatch }),
          },
          body:
            r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, "utf8"),
        }),
      );
  }

  it(`${RUNS} hostile requests: every answer is JSON, 2xx or 4xx, and echoes no value or token`, async () => {
    const base = new URL(s.url);
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(arbitraries(), async (r) => {
        const answer = await send(base, r);
        tally.saw(answer.status);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const where = `${r.method} ${r.path.slice(0, 120)} (${r.body?.length ?? 0} bytes)`;
        const problems: string[] = [];
        if (answer.status < 200 || answer.status >= 500) problems.push(`${where}: status ${answer.status}`);
        if (!/^application\/json/.test(answer.contentType))
          problems.push(`${where}: content-type ${answer.contentType}`);
        if (r.method !== "HEAD") {
          try {
            JSON.parse(answer.text);
          } catch {
            problems.push(`${where}: not JSON: ${answer.text.slice(0, 100)}`);
          }
        }
        // An error body never repeats a value or a token (a successful admin or agent read may show FUZZ's value).
        if (answer.status >= 400)
          problems.push(
            ...findInText(answer.text, needles, where).map((f) => `LEAK ${f.needle} in ${f.where}`),
          );
        failures.push(...problems);
        return problems.length === 0;
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 40_000, endOnFailure: true },
    );
    expect(failures).toEqual([]);
    expect(tally.requests).toBeGreaterThanOrEqual(RUNS);
    expect(Date.now() - started).toBeLessThan(45_000);
    // The requests got past authentication and validation into the handlers, not only bounced at the door.
    expect(statuses.get(200) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(RUNS / 20);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(RUNS / 20);
  }, 60_000);

  it("keeps serving afterwards: health, an authenticated read, and a clean request log", async () => {
    const call = counted(s, tally);
    expect((await call("GET", "/v1/health")).status).toBe(200);
    const read = await call("GET", "/v1/secrets?environmentId=env_f&name=FUZZ", { token: tokens.agent });
    expect(read.status).toBe(200);
    expect(read.body.data[0].value).toBe(needles[0]?.text);
    expect(tally.serverErrors).toBe(0);
    expect(s.logs.filter((l) => l.status >= 500)).toEqual([]);
    expect(tally.found(findInText(s.logText(), needles, "request log"))).toEqual([]);
  });
});

/** Lone surrogates cannot be percent-encoded; replace them as a client would. */
function safeUtf16(text: string): string {
  return text.replace(/[\uD800-\uDFFF]/g, "\uFFFD");
}

/** Raw path characters node:http accepts (no controls, no spaces), kept unencoded: %zz, .., unicode. */
function rawSafe(text: string): string {
  return (
    [...text]
      .filter((ch) => /[\x21-\x7e]/.test(ch))
      .join("")
      .replace(/[?#]/g, "") || "%zz"
  );
}

/** Header values as bytes node:http sends: printable latin1 only. */
function latin1(text: string): string {
  return [...text].filter((ch) => /[\x20-\x7e\xa0-\xff]/.test(ch)).join("");
}
