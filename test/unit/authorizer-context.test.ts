import { describe, expect, it } from "vitest";
import type { Principal } from "../../lambdas/core/principal.ts";
import {
  principalFromAuthorizer,
  toAuthorizerContext,
  UNBOUND,
} from "../../lambdas/handlers/authorizer-context.ts";

const admin: Principal = { tokenId: "tok_a", name: "root", role: "admin" };
const operator: Principal = { tokenId: "tok_o", name: "ops", role: "operator", environmentId: "us_env_1" };
const agent: Principal = {
  tokenId: "tok_g",
  name: "agent",
  role: "agent",
  environmentId: "us_env_1",
  spaceId: "us_sp_1",
};

const unauthorized = { code: "unauthorized" };

/** The authorizer's context must survive API Gateway: flat strings, none of them empty. */
describe("authorizer context", () => {
  it("carries no empty value for any principal, and parses back to the same principal", () => {
    for (const p of [admin, operator, agent]) {
      const ctx = toAuthorizerContext(p);
      for (const [k, v] of Object.entries(ctx)) {
        expect(typeof v, k).toBe("string");
        expect(v, `${p.role}.${k}`).not.toBe("");
      }
      // Through JSON, as API Gateway delivers it.
      expect(principalFromAuthorizer(JSON.parse(JSON.stringify(ctx)))).toEqual({
        ...p,
        environmentId: p.environmentId,
        spaceId: p.spaceId,
      });
    }
    expect(toAuthorizerContext(admin)).toMatchObject({ environmentId: UNBOUND, spaceId: UNBOUND });
    expect(toAuthorizerContext(operator)).toMatchObject({ environmentId: "us_env_1", spaceId: UNBOUND });
  });

  it("never reads the sentinel as a scope: an operator or agent marked unbound is refused", () => {
    for (const role of ["operator", "agent"] as const)
      expect(() =>
        principalFromAuthorizer({ ...toAuthorizerContext(operator), role, environmentId: UNBOUND }),
      ).toThrow(expect.objectContaining(unauthorized));
    // An admin bound to anything is refused too.
    expect(() => principalFromAuthorizer({ ...toAuthorizerContext(admin), spaceId: "us_sp_1" })).toThrow(
      expect.objectContaining(unauthorized),
    );
  });

  it("refuses scope values no id can have, and a missing key", () => {
    const ctx = toAuthorizerContext(agent);
    for (const bad of [
      { ...ctx, environmentId: "us/env" },
      { ...ctx, spaceId: "x".repeat(65) },
      { ...ctx, name: "" },
      { tokenId: ctx.tokenId, role: ctx.role, environmentId: ctx.environmentId, name: ctx.name },
    ])
      expect(() => principalFromAuthorizer(bad), JSON.stringify(bad)).toThrow(
        expect.objectContaining(unauthorized),
      );
  });

  it('still reads "" as unbound (an answer an older authorizer left in API Gateway\'s cache)', () => {
    expect(
      principalFromAuthorizer({ ...toAuthorizerContext(admin), environmentId: "", spaceId: "" }),
    ).toEqual({ ...admin, environmentId: undefined, spaceId: undefined });
  });
});
