// The load generator, in its own process so it never shares an event loop with the server it measures.
// usage: node http-load.mjs '<json config>'  →  prints one JSON line: RunStats plus status codes.
// Config: { url, connections, durationSec, warmupSec?, amount?, method?, headers?, body?, pool? }
// pool: { size, prefix, body } — POST bodies cycle through `size` names (prefix + n), so concurrent writes
// rarely touch the same secret while each name still gains versions.
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";

const config = JSON.parse(process.argv[2] ?? "{}");

function options(durationSec, measured) {
  const base = {
    url: config.url,
    connections: config.connections,
    duration: durationSec,
    ...(measured && config.amount ? { amount: config.amount } : {}),
    method: config.method ?? "GET",
    headers: config.headers ?? {},
    timeout: 10,
  };
  if (config.pool) {
    let n = 0;
    const { size, prefix, body } = config.pool;
    base.requests = [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ ...body, name: `${prefix}${n++ % size}` }),
        }),
      },
    ];
  } else if (config.body !== undefined) {
    base.body = config.body;
  }
  return base;
}

function run(durationSec, record) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const codes = {};
    let errors = 0;
    const started = performance.now();
    const instance = autocannon(options(durationSec, record), (err) => {
      if (err) reject(err);
      else resolve({ latencies, codes, errors, seconds: (performance.now() - started) / 1000 });
    });
    instance.on("response", (_client, status, _bytes, ms) => {
      if (!record) return;
      codes[status] = (codes[status] ?? 0) + 1;
      if (status >= 200 && status < 300) latencies.push(ms);
      else errors++;
    });
    instance.on("reqError", () => {
      errors++;
    });
  });
}

const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

if (config.warmupSec) await run(config.warmupSec, false);
const { latencies, codes, errors, seconds } = await run(config.durationSec, true);
const sorted = Float64Array.from(latencies).sort();
const r = (n, d) => Math.round(n * 10 ** d) / 10 ** d;
process.stdout.write(
  `${JSON.stringify({
    ops: latencies.length,
    rps: r(latencies.length / seconds, 1),
    p50: r(quantile(sorted, 0.5), 3),
    p99: r(quantile(sorted, 0.99), 3),
    mean: r(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), 3),
    errors,
    seconds: r(seconds, 2),
    statusCodes: codes,
  })}\n`,
);
