import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoClients } from "../../../lambdas/store/client.ts";

/** A string that must never show up somewhere, with a label that names it without repeating it. */
export interface Needle {
  label: string;
  text: string;
}

/** Where a needle was found. The needle's text is never part of a finding, so a report does not leak it. */
export interface Finding {
  needle: string;
  where: string;
}

/** Every needle found in `text` (e.g. a log line, an error body), labelled by `where`. */
export function findInText(text: string, needles: readonly Needle[], where: string): Finding[] {
  return needles.filter((n) => text.includes(n.text)).map((n) => ({ needle: n.label, where }));
}

/** The needles as UTF-8 bytes, as they would appear in a file that stored them in the clear. */
function needleBytes(needles: readonly Needle[]): Array<{ label: string; bytes: Buffer }> {
  return needles.map((n) => ({ label: n.label, bytes: Buffer.from(n.text, "utf8") }));
}

/**
 * Byte search of every file under `dir` (LevelDB logs and tables included). Files named in `skip`
 * (relative paths) are not searched: e.g. admin-token, which holds the admin token by design.
 */
export function findInDir(dir: string, needles: readonly Needle[], skip: readonly string[] = []): Finding[] {
  const wanted = needleBytes(needles);
  const findings: Finding[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      const stats = statSync(path, { throwIfNoEntry: false });
      if (!stats) continue;
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile() && !skip.includes(relative(dir, path))) {
        const content = readFileSync(path);
        for (const n of wanted)
          if (content.includes(n.bytes)) findings.push({ needle: n.label, where: relative(dir, path) });
      }
    }
  };
  walk(dir);
  return findings;
}

/** Every item of the table, as JSON text: what an attacker holding a table dump reads. */
export async function dumpTable(dynamo: DynamoClients, table: string): Promise<string[]> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.doc.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of out.Items ?? []) items.push(JSON.stringify(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Needles found in a raw table Scan. */
export async function findInTable(
  dynamo: DynamoClients,
  table: string,
  needles: readonly Needle[],
): Promise<Finding[]> {
  const items = await dumpTable(dynamo, table);
  return items.flatMap((item, i) => findInText(item, needles, `table item ${i}`));
}

/** Captures everything this process writes to stdout and stderr until `stop()`; output still goes through. */
export function captureStdio(): { text(): string; stop(): void } {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const tap =
    (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
  process.stdout.write = tap(process.stdout, originals.out) as typeof process.stdout.write;
  process.stderr.write = tap(process.stderr, originals.err) as typeof process.stderr.write;
  return {
    text: () => chunks.join(""),
    stop() {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}
