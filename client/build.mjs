// `npm run build` (and prepack): compiles to dist/ with tsc, then points the declarations' relative
// imports at .js. tsc rewrites ".ts" to ".js" in the JavaScript it emits but not in .d.ts files, and
// TypeScript consumers older than 5.7 would not resolve "./x.ts" from a declaration.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
execFileSync("tsc", ["-p", join(here, "tsconfig.json")], {
  stdio: "inherit",
  shell: process.platform === "win32",
});
for (const file of readdirSync(dist, { recursive: true, encoding: "utf8" })) {
  if (!file.endsWith(".d.ts")) continue;
  const path = join(dist, file);
  const text = readFileSync(path, "utf8");
  const fixed = text.replace(/(from\s*["']|import\(\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g, "$1$2.js$3");
  if (fixed !== text) writeFileSync(path, fixed);
}
