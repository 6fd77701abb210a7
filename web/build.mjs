// Builds the admin UI into web/dist (or another directory): one hashed JS bundle, one hashed CSS
// file, index.html pointing at them, and config.json with the API URL ("" = same origin). The CDK
// deployment overwrites config.json; nothing else in the output depends on where it is served.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT_DIR = join(here, "dist");

/**
 * Builds the UI. Returns the output directory and the bundle sizes in bytes.
 * @param {{ outDir?: string, apiUrl?: string, minify?: boolean }} [options]
 */
export async function buildWeb(options = {}) {
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const src = join(here, "src");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const result = await esbuild.build({
    entryPoints: { app: join(src, "main.tsx"), styles: join(src, "styles.css") },
    outdir: outDir,
    entryNames: "[name]-[hash]",
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome111", "firefox111", "safari16"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: options.minify ?? true,
    legalComments: "none",
    loader: { ".svg": "file" },
    metafile: true,
    logLevel: "silent",
  });

  const outputs = Object.entries(result.metafile.outputs);
  const fileFor = (entry) => {
    const hit = outputs.find(([, o]) => o.entryPoint?.endsWith(entry));
    if (!hit) throw new Error(`esbuild produced no output for ${entry}`);
    return { name: basename(hit[0]), bytes: hit[1].bytes };
  };
  const js = fileFor("main.tsx");
  const css = fileFor("styles.css");

  const html = readFileSync(join(src, "index.html"), "utf8")
    .replace("{{APP_JS}}", `./${js.name}`)
    .replace("{{APP_CSS}}", `./${css.name}`);
  writeFileSync(join(outDir, "index.html"), html);
  copyFileSync(join(src, "favicon.svg"), join(outDir, "favicon.svg"));
  writeFileSync(join(outDir, "config.json"), `${JSON.stringify({ apiUrl: options.apiUrl ?? "" })}\n`);
  return { outDir, js: js.bytes, css: css.bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  buildWeb({ outDir: process.argv[2] })
    .then((r) =>
      console.error(
        `web: built ${r.outDir} (js ${(r.js / 1024).toFixed(1)} KiB, css ${(r.css / 1024).toFixed(1)} KiB) in ${Date.now() - started} ms`,
      ),
    )
    .catch((e) => {
      console.error(`web: build failed: ${e.message}`);
      process.exit(1);
    });
}
