import document from "./openapi.json" with { type: "json" };

/**
 * The OpenAPI document of the whole API as the full app generates it from its zod schemas, stored by
 * `npm run build:openapi` (scripts/build-openapi.ts) so that the reader function can serve it without zod.
 * test/unit/reader-app.test.ts fails when it differs from what the full app serves.
 */
export const OPENAPI_DOCUMENT: unknown = document;
