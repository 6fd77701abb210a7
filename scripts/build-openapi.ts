// Stores the OpenAPI document the full app serves in lambdas/api/openapi.json: the reader function serves
// it as stored, so zod stays out of its bundle. Run it (`npm run build:openapi`) after changing a route or a
// schema; test/unit/reader-app.test.ts fails until the stored document matches the app's again.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { servedOpenApiDocument } from "../lambdas/api/route-table.ts";

const file = resolve(import.meta.dirname, "../lambdas/api/openapi.json");
writeFileSync(file, `${JSON.stringify(JSON.parse(await servedOpenApiDocument()), null, 2)}\n`);
execFileSync(resolve(import.meta.dirname, "../node_modules/.bin/biome"), ["format", "--write", file], {
  stdio: "ignore",
});
console.log(`wrote ${file}`);
