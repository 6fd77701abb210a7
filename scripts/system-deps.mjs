// Installs the system packages the test suites need on a fresh Debian machine: a Java runtime for
// DynamoDB Local (the store's fidelity reference) and Chromium for the browser tests. npm packages
// cannot ship these. Runs apt-get only as root; otherwise says exactly what to install.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const has = (cmd, args = ["--version"]) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;

/** Each need: how to tell it is there, and the Debian package that provides it. */
export const NEEDS = [
  { what: "Java 17 (DynamoDB Local)", ok: () => has("java", ["-version"]), pkg: "openjdk-17-jre-headless" },
  { what: "Chromium (browser tests)", ok: () => existsSync("/usr/bin/chromium"), pkg: "chromium" },
];

export function ensureSystemDeps({ log = console.error } = {}) {
  const missing = NEEDS.filter((n) => !n.ok());
  if (missing.length === 0) return true;
  const pkgs = missing.map((n) => n.pkg);
  log(`[system-deps] missing: ${missing.map((n) => n.what).join(", ")}`);
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root || !has("apt-get", ["--version"])) {
    log(
      `[system-deps] install them and run again: sudo apt-get update && sudo apt-get install -y ${pkgs.join(" ")}`,
    );
    return false;
  }
  log(`[system-deps] installing with apt-get: ${pkgs.join(" ")} (this takes a minute on a fresh machine)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update"], { stdio: ["ignore", "inherit", "inherit"], env });
  const install =
    update.status === 0 &&
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs], {
      stdio: ["ignore", "inherit", "inherit"],
      env,
    }).status === 0;
  const still = NEEDS.filter((n) => !n.ok());
  if (!install || still.length > 0) {
    log(`[system-deps] could not install: ${still.map((n) => n.what).join(", ") || pkgs.join(", ")}`);
    return false;
  }
  log("[system-deps] done");
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(ensureSystemDeps() ? 0 : 1);
}
