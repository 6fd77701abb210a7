import { handle } from "hono/aws-lambda";
import { composeApi } from "./compose.ts";

// Composed once per cold start (top-level await in the ESM bundle); warm invocations reuse clients and caches.
const runtime = await composeApi(process.env);

/** The API function: every v1 route, behind the API Gateway authorizer. */
export const handler = handle(runtime.app);
