// Checks for the programs the test suites need that npm cannot ship: a Java runtime (17+) for DynamoDB
// Local (the store's fidelity reference) and Chrome/Chromium for the browser tests. On Debian/Ubuntu as
// root it installs what is missing with apt-get; anywhere else it prints the one command that does.
import { spawnSync } from "node:child_process";
import {
  DEBIAN_PACKAGES,
  findChromium,
  findJava,
  findNode24,
  HOST,
  installHint,
  isDebianLike,
  javaMajor,
} from "./find-tools.mjs";

/** Each need: what it is for, how to tell it is there, and its key in DEBIAN_PACKAGES / installHint. */
export const NEEDS = [
  {
    key: "java",
    what: "Java 17+ (DynamoDB Local; or set JAVA_HOME)",
    ok: (sys) => {
      const java = findJava(sys);
      return java !== undefined && (javaMajor(java.path, sys) ?? 0) >= 17;
    },
  },
  {
    key: "chromium",
    what: "Chrome or Chromium (browser tests; or set CHROMIUM_PATH)",
    ok: (sys) => findChromium(sys) !== undefined,
  },
];

/**
 * True when everything is there (after installing it, where that is possible). `sys` is the machine
 * (find-tools' HOST); `install` runs apt-get and returns whether it succeeded.
 */
export function ensureSystemDeps({ log = console.error, sys = HOST, install = aptInstall } = {}) {
  // Not required: without Node 24 the tests of the Lambda bundles skip (and say so).
  const node24 = findNode24(sys);
  if (!node24.path) log(`[system-deps] note: the Lambda bundle tests will be skipped: ${node24.reason}`);
  const missing = NEEDS.filter((n) => !n.ok(sys));
  if (missing.length === 0) return true;
  log(`[system-deps] missing: ${missing.map((n) => n.what).join(", ")}`);
  if (!(isDebianLike(sys) && sys.isRoot && sys.exists("/usr/bin/apt-get"))) {
    for (const n of missing) log(`[system-deps] to install ${n.key}, run: ${installHint(n.key, sys)}`);
    return false;
  }
  const pkgs = missing.map((n) => DEBIAN_PACKAGES[n.key]);
  log(`[system-deps] installing with apt-get: ${pkgs.join(" ")} (this takes a minute on a fresh machine)`);
  const installed = install(pkgs);
  const still = NEEDS.filter((n) => !n.ok(sys));
  if (!installed || still.length > 0) {
    log(`[system-deps] could not install: ${(still.length ? still : missing).map((n) => n.what).join(", ")}`);
    return false;
  }
  log("[system-deps] done");
  return true;
}

function aptInstall(pkgs) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const stdio = ["ignore", "inherit", "inherit"];
  return (
    spawnSync("apt-get", ["update"], { stdio, env }).status === 0 &&
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs], { stdio, env }).status === 0
  );
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  process.exit(ensureSystemDeps() ? 0 : 1);
}
