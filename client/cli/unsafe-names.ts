/**
 * Environment variables a secret may not set in `exec`'s child unless the person running exec names it
 * on purpose. Each makes a program (or the loader, interpreter, shell, or a tool it calls: git, npm,
 * pip, a pager or editor) run code, load code, or send its traffic or trust somewhere else. An operator
 * may write values but never read them; without this, writing one of these names would run the
 * operator's code inside the agent's process. Listing single names always misses one, so whole
 * families are refused. Names compare case-insensitively (Windows treats them so; `http_proxy` is
 * what curl reads).
 */

interface Rule {
  /** An exact name, `PREFIX*`, or `*SUFFIX`. */
  patterns: readonly string[];
  /** Why, in a few words, for the CLI's message. */
  reason: string;
}

const RULES: readonly Rule[] = [
  {
    patterns: [
      "LD_*",
      "DYLD_*",
      "GCONV_PATH",
      "LOCPATH",
      "NLSPATH",
      "GLIBC_TUNABLES",
      "HOSTALIASES",
      "RESOLV_HOST_CONF",
    ],
    reason: "dynamic loader and C library: loads code",
  },
  {
    patterns: [
      "PATH",
      "SHELL",
      "HOME",
      "ZDOTDIR",
      "ENV",
      "BASH_ENV",
      "BASH_FUNC_*",
      "SHELLOPTS",
      "BASHOPTS",
      "IFS",
      "CDPATH",
      "FPATH",
      "GLOBIGNORE",
      "PROMPT_COMMAND",
      "PS0",
      "PS1",
      "PS2",
      "PS3",
      "PS4",
      "XDG_*",
      "TMPDIR",
      "TMP",
      "TEMP",
    ],
    reason: "shell start-up, search paths and config homes: choose what runs",
  },
  {
    patterns: ["GIT_*"],
    reason: "git: its variables can run commands (GIT_CONFIG_*, GIT_SSH_COMMAND, GIT_PAGER…)",
  },
  {
    patterns: ["NPM_CONFIG_*", "YARN_*", "PNPM_*", "BUN_*", "DENO_*", "COREPACK_*"],
    reason: "package managers: config that runs scripts or fetches code",
  },
  { patterns: ["NODE_*"], reason: "Node.js: options, module paths and trust (NODE_OPTIONS, NODE_PATH…)" },
  {
    patterns: ["PYTHON*", "PIP_*", "UV_*", "CONDA_*", "VIRTUAL_ENV"],
    reason: "Python: start-up code, module paths and package sources",
  },
  {
    patterns: [
      "PERL5*",
      "PERLLIB",
      "PERL_*",
      "RUBY*",
      "GEM_*",
      "BUNDLE_*",
      "PHPRC",
      "PHP_INI_SCAN_DIR",
      "LUA_*",
      "TCLLIBPATH",
      "R_PROFILE*",
      "R_ENVIRON*",
      "R_LIBS*",
    ],
    reason: "interpreters: start-up code and library paths",
  },
  {
    patterns: [
      "JAVA_TOOL_OPTIONS",
      "_JAVA_OPTIONS",
      "JDK_JAVA_OPTIONS",
      "JAVA_OPTS",
      "JAVA_HOME",
      "CLASSPATH",
      "MAVEN_OPTS",
      "GRADLE_OPTS",
      "SBT_OPTS",
      "ANT_OPTS",
      "CATALINA_OPTS",
      "KOTLIN_*",
    ],
    reason: "JVM: options such as -javaagent load code",
  },
  {
    patterns: [
      "GOFLAGS",
      "GOPROXY",
      "GOTOOLCHAIN",
      "GOENV",
      "GOROOT",
      "GOPATH",
      "GOBIN",
      "GONOSUMDB",
      "GONOSUMCHECK",
      "GOSUMDB",
      "GOINSECURE",
      "GOPRIVATE",
      "GONOPROXY",
      "CARGO_*",
      "RUSTC*",
      "RUSTFLAGS",
      "RUSTDOCFLAGS",
      "RUSTUP_*",
      "CC",
      "CXX",
      "CPP",
      "LD",
      "AR",
      "MAKEFLAGS",
      "MFLAGS",
      "MAKEFILES",
    ],
    reason: "build tools: compilers, wrappers and flags run code",
  },
  {
    patterns: [
      "*PAGER",
      "VISUAL",
      "*EDITOR",
      "FCEDIT",
      "LESS*",
      "BROWSER",
      "*ASKPASS",
      "SSH_ASKPASS*",
      "VIMINIT",
      "EXINIT",
      "GVIMINIT",
      "MYVIMRC",
      "MYGVIMRC",
      "VIMRUNTIME",
      "EMACSLOADPATH",
      "INPUTRC",
    ],
    reason: "pagers, editors, browsers and password prompts: run a command",
  },
  {
    patterns: [
      "*_PROXY",
      "PROXY",
      "SSH_AUTH_SOCK",
      "DOCKER_HOST",
      "DOCKER_CONFIG",
      "DOCKER_CERT_PATH",
      "DOCKER_TLS_VERIFY",
      "KUBECONFIG",
      "AWS_CONFIG_FILE",
      "AWS_SHARED_CREDENTIALS_FILE",
      "AWS_CA_BUNDLE",
      "AWS_ENDPOINT_URL*",
      "CURL_HOME",
      "WGETRC",
      "NETRC",
    ],
    reason: "proxies and client config: redirect traffic and credentials, or run credential helpers",
  },
  {
    patterns: ["SSL_CERT_FILE", "SSL_CERT_DIR", "OPENSSL_*", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"],
    reason: "TLS trust and OpenSSL config (which can load engines)",
  },
  { patterns: ["SCOPED_SECRETS_*"], reason: "scoped-secrets' own configuration" },
];

/** Names in a refused family that only configure a program and are too common to refuse. */
const HARMLESS = new Set(["NODE_ENV"]);

const matches = (pattern: string, upper: string): boolean => {
  if (pattern.startsWith("*")) return upper.endsWith(pattern.slice(1));
  if (pattern.endsWith("*")) return upper.startsWith(pattern.slice(0, -1));
  return upper === pattern;
};

/** Why a variable of this name is refused by default, or undefined when it is an ordinary name. */
export function unsafeReason(name: string): string | undefined {
  const upper = name.toUpperCase();
  if (HARMLESS.has(upper)) return undefined;
  return RULES.find((r) => r.patterns.some((p) => matches(p, upper)))?.reason;
}

/** True if a variable of this name changes how a process runs (see unsafeReason). */
export function isUnsafeName(name: string): boolean {
  return unsafeReason(name) !== undefined;
}

/** Every refused pattern, for docs and tests. */
export const UNSAFE_PATTERNS: readonly string[] = RULES.flatMap((r) => r.patterns);
