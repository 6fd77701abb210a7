import { describe, expect, it } from "vitest";
import {
  canonicalContext,
  canonicalJson,
  toKeyringContext,
} from "../../../lambdas/crypto/encryption-context.ts";

describe("toKeyringContext", () => {
  it("names the app, scope, name and version as strings", () => {
    // Prepare
    const ctx = { environmentId: "env_1", spaceId: "sp_1", name: "API_TOKEN", version: 12 };

    // Act
    const context = toKeyringContext(ctx);

    // Assess
    expect(context).toEqual({
      app: "scoped-secrets",
      environmentId: "env_1",
      spaceId: "sp_1",
      name: "API_TOKEN",
      version: "12",
    });
  });

  it('uses "-" for the environment itself', () => {
    // Act
    const context = toKeyringContext({ environmentId: "env_1", name: "A", version: 1 });

    // Assess
    expect(context.spaceId).toBe("-");
  });
});

describe("canonicalContext", () => {
  it("is JSON with sorted keys, whatever order the fields came in", () => {
    // Prepare
    const a = { version: 2, name: "A", spaceId: "sp", environmentId: "env" };
    const b = { environmentId: "env", spaceId: "sp", name: "A", version: 2 };

    // Act
    const bytesA = canonicalContext(a);
    const bytesB = canonicalContext(b);

    // Assess
    expect(bytesA.equals(bytesB)).toBe(true);
    expect(bytesA.toString("utf8")).toBe(
      '{"app":"scoped-secrets","environmentId":"env","name":"A","spaceId":"sp","version":"2"}',
    );
  });

  it("keeps values that contain separators apart", () => {
    // Act
    const left = canonicalJson({ a: 'x","b":"y', b: "" });
    const right = canonicalJson({ a: "x", b: 'y","' });

    // Assess
    expect(left).not.toBe(right);
  });
});
