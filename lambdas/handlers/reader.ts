import { OPENAPI_DOCUMENT } from "../api/openapi-document.ts";
import { createReaderApp } from "../api/reader-app.ts";
import { composeRuntime } from "./compose-runtime.ts";
import { lambdaHttpHandler } from "./lambda-http.ts";

// Composed once per cold start (top-level await in the ESM bundle); warm invocations reuse clients and caches.
const runtime = await composeRuntime((deps) => createReaderApp(deps, OPENAPI_DOCUMENT), process.env);

/**
 * The reader function: every GET route (the agent hot path among them), behind the API Gateway authorizer.
 * Its import graph holds no zod: the routes are checked by api/reads/checks.ts and the OpenAPI document
 * is the one the full app generates, stored at build time (api/openapi-document.ts).
 */
export const handler = lambdaHttpHandler(runtime.app);
