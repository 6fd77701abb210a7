import { composeApi } from "./compose.ts";
import { lambdaHttpHandler } from "./lambda-http.ts";

// Composed once per cold start (top-level await in the ESM bundle); warm invocations reuse clients and caches.
const runtime = await composeApi(process.env);

/**
 * The writer function: every v1 route (the stack sends it every route but GET), behind the API Gateway
 * authorizer, validated with zod. The GET routes run in the reader function (handlers/reader.ts).
 */
export const handler = lambdaHttpHandler(runtime.app);
