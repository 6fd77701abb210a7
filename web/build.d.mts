/** Where `npm run build:web` writes the UI (served by the local server at /). */
export declare const DEFAULT_OUT_DIR: string;

/** Builds the admin UI into outDir (default web/dist) with config.json `{ apiUrl }` ("" = same origin). */
export declare function buildWeb(options?: {
  outDir?: string;
  apiUrl?: string;
  minify?: boolean;
}): Promise<{ outDir: string; js: number; css: number }>;
