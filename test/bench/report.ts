import { LAYOUT_LABEL } from "./bare-dynamo.ts";
import type { BenchResults } from "./bench.ts";
import { type ComparedRow, MAX_TRUSTED_SPREAD } from "./compare.ts";
import type { HotPathRatio } from "./hot-path.ts";

/** Issue 15's hot-path targets: against the SDK baseline, ≥ 0.8 at c=16 and ≥ 0.7 at c=1. */
export function hotPathTarget(x: Pick<HotPathRatio, "client" | "concurrency">): number | undefined {
  if (x.client !== "sdk") return undefined;
  return x.concurrency >= 16 ? 0.8 : x.concurrency === 1 ? 0.7 : undefined;
}

const n = (x: number | undefined, digits = 0): string =>
  x === undefined || Number.isNaN(x)
    ? "—"
    : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kb = (bytes: number) => `${n(bytes / 1024, 0)} KiB`;

function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

function comparedTable(rows: ComparedRow[], unit: string): string {
  return table(
    [
      "what",
      "DynamoDB engine runs",
      "c",
      `${unit}/s`,
      "p50 ms",
      "p99 ms",
      "CPU ms/op (this process)",
      "CPU ms/op (+ engine process)",
    ],
    rows.map((r) => [
      r.what,
      r.engine,
      r.concurrency,
      n(r.rps),
      n(r.p50, 2),
      n(r.p99, 2),
      n(r.cpuMsPerOp, 3),
      n(r.totalCpuMsPerOp, 3),
    ]),
  );
}

/** The results as Markdown: what `npm run bench` prints and docs/performance.md quotes. */
export function toMarkdown(r: BenchResults): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(
    `_${m.date} · Node ${m.node} · ${m.platform} · ${m.cpus} × ${m.cpuModel} · load average (1/5/15 min) ${m.loadAverageBefore.join("/")} before, ${m.loadAverageAfter.join("/")} after · ${m.seconds} s_`,
  );
  if (m.loadBySection?.length)
    out.push(
      `\n_Machine load (1-min load average on ${m.cpus} cores) as each section started: ${m.loadBySection.map((x) => `${x.section} ${x.load1}`).join(" · ")}._`,
    );

  out.push("\n### Agent hot path: GET /v1/secrets?environmentId&spaceId&name\n");
  out.push(comparedTable(r.hotPath.rows, "req"));
  out.push(
    `\nService ÷ bare BatchGetItem, paired round by round (median of ${m.settings.hot.rounds}; a spread over ${MAX_TRUSTED_SPREAD * 100} % of the median is marked untrustworthy):\n`,
  );
  out.push(
    table(
      [
        "server",
        "÷ bare BatchGetItem via",
        "engine of the bare call",
        "c",
        "ratio (median)",
        "min–max",
        "spread",
        "target",
      ],
      r.hotPath.ratios.map((x) => {
        const target = hotPathTarget(x);
        return [
          x.service === "npm-start" ? "`npm start` (own process, logs to stdout)" : "in the bench process",
          x.client === "sdk"
            ? "the SDK's document client (issue baseline)"
            : "LeanDynamo (the store's own path)",
          LAYOUT_LABEL[x.versus],
          x.concurrency,
          `**${x.ratio}**`,
          `${x.min}–${x.max}`,
          `${n(x.spread * 100)} %${x.trustworthy ? "" : " ⚠ untrustworthy"}`,
          target === undefined ? "—" : `≥ ${target} ${x.ratio >= target ? "met" : "**not met**"}`,
        ];
      }),
    ),
  );
  const mainThread = r.hotPath.rows
    .filter((x) => x.extra?.mainThreadCpuMs !== undefined && x.extra.requests)
    .map((x) => `c=${x.concurrency}: ${n((x.extra?.mainThreadCpuMs ?? 0) / (x.extra?.requests ?? 1), 3)} ms`);
  if (mainThread.length)
    out.push(`\nServer main thread (HTTP, app, SDK client) CPU per request: ${mainThread.join(", ")}.`);

  const w = r.calls.warm;
  const f = r.calls.first;
  out.push("\n### Per warm read\n");
  out.push(
    table(
      [
        "",
        "reads",
        "DynamoDB calls/read",
        "by command",
        "keyring (KMS) calls",
        "data-key cache hit ratio",
        "principal cache hits/misses",
      ],
      [
        [
          "first read (fresh token, empty key cache)",
          f.reads,
          n(f.dynamoPerRead, 2),
          JSON.stringify(f.dynamo),
          f.keyringCalls,
          n(f.dataKeyCache.hitRatio, 4),
          `${f.principalCache.hits}/${f.principalCache.misses}`,
        ],
        [
          "warm reads after it",
          w.reads,
          n(w.dynamoPerRead, 3),
          JSON.stringify(w.dynamo),
          w.keyringCalls,
          n(w.dataKeyCache.hitRatio, 4),
          `${w.principalCache.hits}/${w.principalCache.misses}`,
        ],
      ],
    ),
  );
  out.push(
    `\nRevocation through this server: first read after DELETE /v1/tokens/{id} → ${r.calls.afterRevoke}; reads served after the revoke returned: ${r.calls.servedAfterRevoke}. Principal cache TTL ${m.principalCacheMs} ms (only for changes made outside this process).`,
  );

  out.push("\n### Write path: POST /v1/secrets\n");
  out.push(comparedTable(r.writes.rows, "sets"));
  out.push(
    `\nService ÷ bare PutItem (paired by round, median, min–max): ${r.writes.ratios
      .map(
        (x) =>
          `c=${x.concurrency} vs ${x.versus}: **${x.ratio}** (${x.min}–${x.max}${x.trustworthy ? "" : ", ⚠ untrustworthy spread"})${x.concurrency >= 16 ? ` target ≥ 0.25 ${x.ratio >= 0.25 ? "met" : "**not met**"}` : ""}`,
      )
      .join(" · ")}. ` +
      `DynamoDB calls per set: ${JSON.stringify(r.writes.dynamoPerWrite)}; keyring calls per set: ${r.writes.keyringCallsPerWrite}.`,
  );

  out.push("\n### Write path with local change events (EVENTS_WEBHOOK_URL)\n");
  out.push(comparedTable(r.deadReceiver.rows, "sets"));
  out.push(
    `\nWith that receiver ÷ without a webhook: ${r.deadReceiver.ratios.map((x) => `c=${x.concurrency} ${x.receiver}: ${x.ratio}`).join(" · ")}. ` +
      `Events: ${Object.entries(r.deadReceiver.webhook)
        .map(([k, s]) => `${k}: ${s.failed} failed, ${s.dropped} dropped, ${s.retries} retries`)
        .join("; ")}.`,
  );

  const l = r.lambda;
  out.push("\n### Lambda bundles (esbuild, as infra/bundling.ts builds them)\n");
  out.push(
    table(
      ["function", "minified", "gzip", "largest parts"],
      l.bundles.map((b) => [
        b.name,
        kb(b.bytes),
        kb(b.gzipBytes),
        b.top.map((t) => `${t.from} ${kb(t.bytes)}`).join(", "),
      ]),
    ),
  );
  const cold = (m: keyof typeof l.cold.wallMs) =>
    `${n(l.cold.wallMs[m], 1)} ms wall (${n(l.cold.importMs[m], 1)} ms import)`;
  out.push(
    "\nreader: every GET route, the agent hot path among them (no zod); writer: every other route (the whole app, zod-openapi); authorizer: the token check." +
      `\n\nCold import under Node ${l.cold.node} (median of ${l.cold.samples}, fresh process each, composition included): ` +
      `empty module ${cold("empty")}; reader ${cold("reader")}; writer ${cold("writer")}; authorizer ${cold("authorizer")}. ` +
      `**reader ÷ empty: ${l.cold.ratio}×** (target ≤ 2.5×, ${l.cold.ratio <= 2.5 ? "met" : "**not met**"}); writer ÷ empty: ${l.cold.writerRatio}×. ` +
      `Reader ÷ the empty module timed just before it, per sample: median ${l.cold.readerPaired.median}× (quartiles ${l.cold.readerPaired.p25}–${l.cold.readerPaired.p75}). ` +
      `Reader bundle ${kb(l.bundles.find((b) => b.name === "reader")?.bytes ?? 0)} (target ≤ 500 KiB).`,
  );
  out.push(
    `\nWarm invocations against local dynalite: reader (the hot-path read) p50 ${n(l.warm.api.p50, 2)} ms / p99 ${n(l.warm.api.p99, 2)} ms, ` +
      `prints ${l.warm.api.stdoutBytesPerInvocation} B per invocation; authorizer p50 ${n(l.warm.authorizer.p50, 2)} ms / p99 ${n(l.warm.authorizer.p99, 2)} ms, ` +
      `prints ${l.warm.authorizer.stdoutBytesPerInvocation} B.`,
  );

  out.push("\n### Scale: one scope with N secrets\n");
  out.push(
    table(
      [
        "secrets",
        "read req/s (c=1)",
        "read p50 ms",
        "read p99 ms",
        "list all: pages",
        "list all: ms",
        "list ms per 100",
        "keyring calls per listing",
      ],
      r.scale.rows.map((s) => [
        n(s.secrets),
        n(s.read.rps),
        n(s.read.p50, 2),
        n(s.read.p99, 2),
        s.list.pages,
        n(s.list.ms, 1),
        n(s.list.msPer100, 2),
        n(s.list.keyringCallsPerListing),
      ]),
    ),
  );
  out.push(`\nSeeding (store writes, 32 in parallel): ${r.scale.seedSeconds} s.`);

  out.push(costMarkdown(r.cost));
  return out.join("\n");
}

/** The cost section alone (`npm run bench -- --cost` prints it from bench/results.json). */
export function costMarkdown(c: BenchResults["cost"]): string {
  const out: string[] = [];
  out.push(
    `\n### Cost per 1M warm agent reads on AWS (${c.prices.region}; ${c.scenario.readsPerSecond} reads/s from ${c.scenario.tokens} tokens over ${c.scenario.secretVersions} secret versions, ${c.scenario.warmInstances} warm instances)\n`,
  );
  out.push(
    table(
      ["item", "$ per 1M reads", "basis"],
      c.lines.map((x) => [x.item, `$${x.perMillion.toFixed(4)}`, x.basis]),
    ),
  );
  out.push(
    `\n**Total: $${c.total.toFixed(2)}** per 1M reads ($${c.totalWithoutLogs.toFixed(2)} without CloudWatch Logs); ` +
      `worst case (every read pays the authorizer and a KMS call): $${c.worstCase.toFixed(2)}. ` +
      `AWS Secrets Manager: $${c.secretsManager.toFixed(2)} per 1M GetSecretValue calls.`,
  );
  out.push(
    `\n**Floor of the architecture: $${c.floor.total.toFixed(4)}** per 1M reads (${c.floor.lines
      .map((l) => `${l.item} $${l.perMillion.toFixed(4)}: ${l.basis}`)
      .join("; ")}). ` +
      `Total ÷ floor: **${c.floor.ratio}** (${c.floor.withinFivePercent ? "within" : "**not** within"} 5 %).`,
  );
  out.push(
    `\nNot the floor, for reference only: the floor plus the DynamoDB wait billed at ${c.memory.find((m) => m.deployed)?.memoryMb} MB ` +
      `(${c.scenario.dynamoLatencyMs} ms, the model's assumption) is $${c.floor.withDynamoWait.total.toFixed(4)}; total ÷ that: ${c.floor.withDynamoWait.ratio}.`,
  );
  for (const v of c.variants)
    out.push(`\n- ${v.name[0]?.toUpperCase()}${v.name.slice(1)}: **$${v.total.toFixed(2)}**`);
  out.push(
    "\nThe reader at other memory sizes (the same measured compute scaled by each CPU share; cold import scaled the same way, an estimate: AWS does not document the CPU share during init, and a Graviton core is not this machine's):\n",
  );
  out.push(
    table(
      [
        "memory",
        "vCPU",
        "billed ms",
        "duration $/1M",
        "total $/1M",
        "÷ floor at that size",
        "compute per read",
        "cold import",
      ],
      c.memory.map((m) => [
        m.deployed ? `**${m.memoryMb} MB (deployed)**` : `${m.memoryMb} MB`,
        m.vcpu,
        m.billedMs,
        `$${m.duration.toFixed(4)}`,
        `$${m.total.toFixed(4)}`,
        m.ratio,
        `${m.computeMs} ms`,
        `${n(m.coldImportMs)} ms`,
      ]),
    ),
  );
  return out.join("\n");
}
