import { z } from "zod";
/** Limits from DESIGN §3. Shared by the API, the OpenAPI document, the SDK, the CLI and the UI. */
export declare const LIMITS: {
    readonly nameMaxLength: 256;
    readonly valueMaxBytes: number;
    readonly bodyMaxBytes: number;
    readonly idMaxLength: 64;
};
export declare const SECRET_NAME_PATTERN: RegExp;
export declare const SCOPE_ID_PATTERN: RegExp;
export declare const secretNameSchema: z.ZodString;
export declare const scopeIdSchema: (what: string) => z.ZodString;
export declare const environmentIdSchema: z.ZodString;
export declare const spaceIdSchema: z.ZodString;
export declare const secretValueSchema: z.ZodString;
export declare const displayNameSchema: z.ZodString;
export declare const versionSchema: z.ZodNumber;
export declare const expectedVersionSchema: z.ZodNumber;
