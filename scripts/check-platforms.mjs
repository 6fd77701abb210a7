// Proves `npm ci` installs on every platform we support, from this machine: an os/cpu-restricted package
// that is not optional makes npm refuse the whole install (EBADPLATFORM) everywhere else. Two checks:
// every restricted package in the lock file is optional, and `npm ci --dry-run` passes with npm's
// process.platform/arch redefined (NODE_OPTIONS=--require a shim) for each target.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");

/** Where users run `npm ci`: macOS (Apple silicon and Intel), Windows x64, Linux arm64 and x64. */
export const TARGETS = [
  { os: "darwin", cpu: "arm64" },
  { os: "darwin", cpu: "x64" },
  { os: "win32", cpu: "x64" },
  { os: "linux", cpu: "arm64" },
  { os: "linux", cpu: "x64" },
];

const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Packages of a lock file (v2/v3) restricted by os, cpu or libc that npm would not treat as optional. */
export function restrictedNonOptional(lock) {
  return Object.entries(lock.packages ?? {})
    .filter(([path, p]) => path !== "" && (p.os || p.cpu || p.libc) && p.optional !== true)
    .map(([path, p]) => ({
      name: path.replace(/^.*node_modules\//, ""),
      os: list(p.os),
      cpu: list(p.cpu),
    }));
}

// Runs before npm's own code: npm-install-checks compares against process.platform/arch at call time.
const SHIM = `const [platform, arch] = String(process.env.SS_FAKE_PLATFORM).split("-");
Object.defineProperty(process, "platform", { value: platform });
Object.defineProperty(process, "arch", { value: arch });
`;

/**
 * `npm ci --dry-run` of the given package.json and lock file as npm would run it on `target`
 * (offline: the lock file holds everything npm checks). Returns npm's exit status and its error lines.
 */
export function dryRunCi({ packageJson, lockFile, target, npm = "npm" }) {
  const dir = mkdtempSync(join(tmpdir(), "ss-platforms-"));
  try {
    copyFileSync(packageJson, join(dir, "package.json"));
    copyFileSync(lockFile, join(dir, "package-lock.json"));
    // Local packages the lock links to (workspaces, file: dependencies) must exist for npm to plan.
    const lock = JSON.parse(readFileSync(lockFile, "utf8"));
    for (const path of Object.keys(lock.packages ?? {})) {
      if (path === "" || path.includes("node_modules/")) continue;
      const from = join(dirname(packageJson), path, "package.json");
      if (!existsSync(from)) continue;
      mkdirSync(join(dir, path), { recursive: true });
      copyFileSync(from, join(dir, path, "package.json"));
    }
    const shim = join(dir, "platform-shim.cjs");
    writeFileSync(shim, SHIM);
    const env = {
      ...process.env,
      SS_FAKE_PLATFORM: `${target.os}-${target.cpu}`,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(shim)}`.trim(),
    };
    // Leave npm's lifecycle variables of an outer `npm run` out: they would point npm at this project.
    for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
    const args = ["ci", "--dry-run", "--ignore-scripts", "--offline", "--no-audit", "--no-fund"];
    const r = spawnSync(npm, args, {
      cwd: dir,
      env,
      encoding: "utf8",
      shell: process.platform === "win32",
      timeout: 120_000,
    });
    const errors = `${r.stdout ?? ""}\n${r.stderr ?? ""}`
      .split("\n")
      .filter((l) => l.startsWith("npm error"));
    return { status: r.status ?? 1, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both checks against a project; returns the problems found (empty when every target installs). */
export function checkPlatforms({
  packageJson = join(ROOT, "package.json"),
  lockFile = join(ROOT, "package-lock.json"),
  targets = TARGETS,
  log = () => {},
} = {}) {
  const problems = [];
  const lock = JSON.parse(readFileSync(lockFile, "utf8"));
  for (const p of restrictedNonOptional(lock))
    problems.push(
      `${p.name} is restricted to os=${p.os.join("|") || "any"} cpu=${p.cpu.join("|") || "any"} but not optional: move it to optionalDependencies`,
    );
  for (const target of targets) {
    const r = dryRunCi({ packageJson, lockFile, target });
    log(`npm ci --dry-run as ${target.os}-${target.cpu}: ${r.status === 0 ? "ok" : "FAILED"}`);
    if (r.status !== 0)
      problems.push(`npm ci fails on ${target.os}-${target.cpu}: ${r.errors.slice(0, 3).join(" / ")}`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const problems = checkPlatforms({ log: (m) => console.error(`[check-platforms] ${m}`) });
  for (const p of problems) console.error(`[check-platforms] ${p}`);
  process.exit(problems.length === 0 ? 0 : 1);
}
