/**
 * Variables that change how a process (or the loader, interpreter or shell that starts it) runs, rather
 * than configure the program: a secret with one of these names could run code or redirect trust. `exec`
 * refuses them unless --allow-unsafe-names.
 */
const UNSAFE = new Set([
  "PATH",
  "IFS",
  "ENV",
  "BASH_ENV",
  "SHELLOPTS",
  "BASHOPTS",
  "PS4",
  "PROMPT_COMMAND",
  "CDPATH",
  "GLOBIGNORE",
  "NODE_OPTIONS",
  "NODE_PATH",
  "NODE_EXTRA_CA_CERTS",
  "NODE_TLS_REJECT_UNAUTHORIZED",
  "PYTHONPATH",
  "PYTHONHOME",
  "PYTHONSTARTUP",
  "PYTHONINSPECT",
  "PYTHONUSERBASE",
  "PERL5LIB",
  "PERL5OPT",
  "PERLLIB",
  "RUBYLIB",
  "RUBYOPT",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "CLASSPATH",
  "GCONV_PATH",
  "LOCPATH",
  "HOSTALIASES",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_EXEC_PATH",
]);

/** Dynamic loaders (glibc LD_*, macOS DYLD_*) and bash's exported functions. */
const UNSAFE_PREFIXES = ["LD_", "DYLD_", "BASH_FUNC_"];

/** True if a variable of this name changes how a process runs (compared case-insensitively, as Windows does). */
export function isUnsafeName(name: string): boolean {
  const upper = name.toUpperCase();
  return UNSAFE.has(upper) || UNSAFE_PREFIXES.some((p) => upper.startsWith(p));
}
