import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalServer, startLocalServer } from "../../local/server.ts";
import type { WebhookStats } from "../../local/webhook-events.ts";
import { freePort } from "../support/engines.ts";
import { type ComparedRow, type Contender, compare, type LoadSettings, pairedRatio } from "./compare.ts";
import { serverLoad } from "./hot-path.ts";
import type { Progress } from "./progress.ts";

export interface DeadReceiverResult {
  rows: ComparedRow[];
  /** Writes/s with that receiver ÷ writes/s without a webhook, paired by round (1.0 = no slower). */
  ratios: Array<{ concurrency: number; receiver: string; ratio: number }>;
  /** What each publisher did with the events of the run (delivered, failed, dropped, retries). */
  webhook: Record<string, WebhookStats>;
}

const SCOPE = { environmentId: "bench_hook_env", spaceId: "bench_hook_space" };

interface Variant {
  label: string;
  server: LocalServer;
  operator: string;
  answered: { count: number };
  dataDir: string;
}

/**
 * POST /v1/secrets on three local servers: without EVENTS_WEBHOOK_URL, with a receiver that refuses
 * connections (dead), and with one that accepts and never answers (hung). Each set emits one event;
 * the webhook's queue, retries and timeouts must keep the write path where it is without a receiver.
 */
export async function measureDeadReceiver(
  settings: LoadSettings,
  progress: Progress,
): Promise<DeadReceiverResult> {
  const hung = await startHungReceiver();
  const deadUrl = `http://127.0.0.1:${await freePort()}/hook`;
  const variants: Variant[] = [];
  try {
    variants.push(await startVariant("no webhook", undefined));
    variants.push(await startVariant("dead receiver (connection refused)", deadUrl));
    variants.push(await startVariant("hung receiver (never answers)", hung.url));
    const contenders = variants.map(
      (v): Contender => ({
        what: `POST /v1/secrets, ${v.label}`,
        engine: "own thread",
        run: async (c, warm) => {
          const stats = await serverLoad(() => v.answered.count, {
            url: `${v.server.url}/v1/secrets`,
            connections: c,
            durationSec: settings.durationSec,
            warmupSec: warm ? settings.warmupSec : 0,
            amount: settings.amount,
            method: "POST",
            headers: { authorization: `Bearer ${v.operator}`, "content-type": "application/json" },
            pool: { size: 256, prefix: "H_", body: { ...SCOPE, value: "v".repeat(40) } },
          });
          if (stats.errors) throw new Error(`write run (${v.label}) had ${stats.errors} failed requests`);
          return stats;
        },
      }),
    );
    const { rows, runs } = await compare(contenders, settings, progress);
    // Stopped first: what was still queued then counts as dropped, so every event is accounted for.
    const webhook: Record<string, WebhookStats> = {};
    for (const v of variants) {
      await v.server.close();
      const stats = v.server.webhook?.stats();
      if (stats) webhook[v.label] = stats;
    }
    return {
      rows,
      ratios: settings.concurrencies.flatMap((c) =>
        variants.slice(1).map((v, j) => ({
          concurrency: c,
          receiver: v.label,
          ratio: pairedRatio(runs.get(`${j + 1}@${c}`) ?? [], runs.get(`0@${c}`) ?? []),
        })),
      ),
      webhook,
    };
  } finally {
    for (const v of variants) {
      await v.server.close();
      rmSync(v.dataDir, { recursive: true, force: true });
    }
    await hung.stop();
  }
}

async function startVariant(label: string, webhookUrl: string | undefined): Promise<Variant> {
  const dataDir = mkdtempSync(join(tmpdir(), "ss-bench-hook-"));
  const answered = { count: 0 };
  const server = await startLocalServer({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    log: () => {
      answered.count++;
    },
    say: () => {},
    // Default tuning (what `npm start` uses); warnings are counted in the stats, not printed.
    ...(webhookUrl ? { webhook: { url: webhookUrl, log: () => {}, drainMs: 0 } } : {}),
  });
  const admin = server.firstAdminToken ?? "";
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`bench setup ${path}: ${res.status}`);
    return (await res.json()) as { data: { token?: string } };
  };
  await call("/v1/environments", { name: "hook bench", id: SCOPE.environmentId });
  await call("/v1/spaces", { name: "hook bench", id: SCOPE.spaceId, environmentId: SCOPE.environmentId });
  const made = await call("/v1/tokens", {
    name: "bench writer",
    role: "operator",
    environmentId: SCOPE.environmentId,
  });
  return { label, server, operator: made.data.token ?? "", answered, dataDir };
}

/** Accepts connections and requests, never answers: the worst receiver short of a black hole. */
async function startHungReceiver() {
  const server: Server = createServer(() => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
