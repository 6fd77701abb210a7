// Types for find-tools.mjs (plain JS so `node scripts/…` runs it on Node 20 without a TypeScript loader).

/** A view of the machine; tests pass a fake one. */
export interface Sys {
  platform: NodeJS.Platform;
  arch: string;
  env: Record<string, string | undefined>;
  home: string;
  isRoot: boolean;
  exists(path: string): boolean;
  readFile(path: string): string | undefined;
  run(cmd: string, args: string[]): string | undefined;
  projectRoot: string;
  execPath?: string;
  nodeVersion?: string;
}
export interface Found {
  path: string;
  source: string;
}
export declare const HOST: Sys;
export declare function which(names: string[], sys?: Sys): string | undefined;
export declare function findChromium(sys?: Sys): Found | undefined;
export declare function findJava(sys?: Sys): Found | undefined;
export declare function javaMajor(java: string, sys?: Sys): number | undefined;
export declare function findNode24(
  sys?: Sys,
): (Found & { reason?: undefined }) | { path?: undefined; reason: string };
export declare function isDebianLike(sys?: Sys): boolean;
export declare function installHint(what: "chromium" | "java" | "node24", sys?: Sys): string;
export declare const DEBIAN_PACKAGES: { chromium: string; java: string };
