import type { Sys } from "./find-tools.mjs";

export declare const NEEDS: Array<{ key: "java" | "chromium"; what: string; ok(sys: Sys): boolean }>;
export declare function ensureSystemDeps(options?: {
  log?: (line: string) => void;
  sys?: Sys;
  install?: (pkgs: string[]) => boolean;
}): boolean;
