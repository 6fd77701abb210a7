// Types for check-platforms.mjs (plain JS: `npm run check:platforms` runs it without a TypeScript loader).
export interface Target {
  os: string;
  cpu: string;
}
export declare const ROOT: string;
export declare const TARGETS: Target[];
export declare function restrictedNonOptional(lock: {
  packages?: Record<
    string,
    { os?: string | string[]; cpu?: string | string[]; libc?: unknown; optional?: boolean }
  >;
}): Array<{ name: string; os: string[]; cpu: string[] }>;
export declare function dryRunCi(options: {
  packageJson: string;
  lockFile: string;
  target: Target;
  npm?: string;
}): { status: number; errors: string[] };
export declare function checkPlatforms(options?: {
  packageJson?: string;
  lockFile?: string;
  targets?: Target[];
  log?: (line: string) => void;
}): string[];
