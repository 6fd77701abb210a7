import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect, it } from "vitest";
import { importSpecifiers } from "./helpers.ts";

/**
 * @scoped-secrets/client speaks HTTP only: its sources import their own files, node: built-ins and
 * commander. Nothing from lambdas/, infra/, local/ or ops/ (not even types: the published .d.ts would
 * point at files the package does not have), and no zod or AWS SDK at run time.
 */
const clientDir = resolve(import.meta.dirname, "../../client");
const RUNTIME_DEPENDENCIES = new Set(["commander"]);
/** awsIam() only: optional peers, loaded at run time by a variable specifier (client/sdk/aws-iam.ts). */
const OPTIONAL_PEERS = new Set(["@aws-sdk/credential-provider-node", "@smithy/signature-v4"]);

function sources(): string[] {
  return readdirSync(clientDir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.startsWith("dist/") && !f.startsWith("node_modules/"))
    .map((f) => join(clientDir, f));
}

it("client/ imports only its own files, node: built-ins and its declared dependencies", () => {
  const files = sources();
  expect(files.length).toBeGreaterThan(10);
  const bad: string[] = [];
  for (const file of files) {
    for (const spec of importSpecifiers(readFileSync(file, "utf8"))) {
      const where = `${relative(clientDir, file)}: ${spec}`;
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (relative(clientDir, target).startsWith("..")) bad.push(where);
      } else if (!spec.startsWith("node:") && !RUNTIME_DEPENDENCIES.has(spec) && !OPTIONAL_PEERS.has(spec))
        bad.push(where);
    }
  }
  expect(bad).toEqual([]);
});

it("the package declares exactly the dependencies its sources use", () => {
  const pkg = JSON.parse(readFileSync(join(clientDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  expect(Object.keys(pkg.dependencies ?? {})).toEqual([...RUNTIME_DEPENDENCIES]);
  expect(pkg.devDependencies).toBeUndefined();
  // The AWS signer and credential chain: declared, never installed unless the user adds them.
  expect(Object.keys(pkg.peerDependencies ?? {}).sort()).toEqual([...OPTIONAL_PEERS].sort());
  for (const name of OPTIONAL_PEERS) expect(pkg.peerDependenciesMeta?.[name]?.optional).toBe(true);
});

it("the scanner sees the import forms the sources use (so an empty result means something)", () => {
  const specs = importSpecifiers(
    [
      'import { a } from "../../lambdas/x.ts";',
      'import type { B } from "../infra/y.ts";',
      'export {\n  type C,\n  D,\n} from "../local/z.ts";',
      'import "zod";',
      'const m = await import("../ops/bootstrap.ts");',
      'const text = "not an import from \\"here\\"";',
    ].join("\n"),
  );
  expect(specs.sort()).toEqual(
    ["../../lambdas/x.ts", "../infra/y.ts", "../local/z.ts", "../ops/bootstrap.ts", "zod"].sort(),
  );
});

it("the root `npx scoped-secrets` has the client's commands and the ops commands", async () => {
  const help = await new Promise<string>((done, fail) =>
    execFile(
      process.execPath,
      [resolve(clientDir, "../bin/scoped-secrets.js"), "--help"],
      { encoding: "utf8" },
      (e, out) => (e ? fail(e) : done(out)),
    ),
  );
  const commands = [...help.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
  expect(commands).toEqual(expect.arrayContaining(["get", "exec", "listen", "bootstrap", "rotate-key"]));
});
