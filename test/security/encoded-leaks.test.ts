import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TARGET_START_TIMEOUT_MS, TARGETS } from "../support/targets.ts";
import { encodedForms } from "./support/encoded.ts";
import { findInDir, findInTable, findInText, type Needle } from "./support/leaks.ts";
import { type SecurityTarget, securityTarget } from "./support/target.ts";
import { buildWorld, type World } from "./support/world.ts";

/**
 * Issue 13: values and tokens must not show up encoded either. A workload of every role, error paths that
 * carry values and tokens included, then a search of the logs, every byte of DATA_DIR and a raw Scan for
 * each value and token in plain, base64, base64url, hex and URL-encoded form.
 */
describe.each(TARGETS)("encoded leaks ($name)", ({ name: target, skip }) => {
  describe.skipIf(skip)(skip ? `skipped: ${skip}` : "encoded leaks", () => {
    let t: SecurityTarget;
    let world: World;
    let forms: Needle[];
    const answers: string[] = [];

    beforeAll(async () => {
      t = await securityTarget("encoded-leaks", target);
      world = await buildWorld(t.call, t.adminToken);
      // Values with characters that URL and base64 encodings change, so every form differs from the plain one.
      const tricky = await t.call("POST", "/v1/secrets", {
        token: t.adminToken,
        body: { environmentId: "env_a", name: "TRICKY", value: "p@ss w/rd+=?&%é — ünïcode ~!" },
      });
      expect(tricky.status).toBe(201);
      world.secrets.push({
        id: tricky.body.data.id,
        name: "TRICKY",
        environmentId: "env_a",
        value: "p@ss w/rd+=?&%é — ünïcode ~!",
      });
      forms = encodedForms(world.needles());
      const tokens = [world.admin, ...world.scoped, world.revoked];
      for (const tok of tokens) {
        for (const path of [
          `/v1/secrets?environmentId=${tok.environmentId ?? "env_a"}`,
          `/v1/secrets?environmentId=${tok.environmentId ?? "env_a"}&spaceId=${tok.spaceId ?? "spc_a1"}&name=SHARED`,
          "/v1/audit?environmentId=env_a",
          "/v1/tokens",
        ])
          answers.push((await t.call("GET", path, { token: tok.token })).text);
        // Error paths that carry values and tokens in the request.
        const value = world.secrets[0]?.value ?? "";
        answers.push(
          (
            await t.call("POST", "/v1/secrets", {
              token: tok.token,
              body: { environmentId: "env_a", name: "bad name", value, extra: tok.token },
            })
          ).text,
          (
            await t.call("GET", `/v1/secrets?environmentId=${encodeURIComponent(value)}&name=${tok.token}`, {
              token: tok.token,
            })
          ).text,
          (await t.call("GET", "/v1/whoami", { token: `${tok.token}x` })).text,
        );
      }
    }, TARGET_START_TIMEOUT_MS + 120_000);
    afterAll(async () => {
      t?.tally.print();
      await t?.stop();
    });

    describe("security: no value or token in any encoded form", () => {
      it("the encodings are real: each form of a planted canary is found by the same search", () => {
        const canary = { label: "canary", text: "canary-value:Zm9v+/==é" };
        const haystack = [
          Buffer.from(`xx${canary.text}yy`).toString("base64"),
          Buffer.from(`x${canary.text}`).toString("base64url"),
          Buffer.from(canary.text).toString("hex").toUpperCase(),
          encodeURIComponent(canary.text),
        ];
        for (const h of haystack)
          expect(findInText(h, encodedForms([canary]), "canary").length).toBeGreaterThan(0);
      });

      it("nothing in the logs", () => {
        if (!t.logs) return;
        expect(t.tally.found(findInText(t.logs(), forms, "logs"))).toEqual([]);
      });

      it("nothing in DATA_DIR's bytes (the admin-token file holds the admin token by design)", () => {
        if (!t.dataDir) return;
        expect(t.tally.found(findInDir(t.dataDir, forms, ["admin-token"]))).toEqual([]);
      });

      it("nothing in a raw Scan of the table", async () => {
        if (!t.raw) return;
        expect(t.tally.found(await findInTable(t.raw.dynamo, t.raw.table, forms))).toEqual([]);
      });

      it("no answer carries an encoded value or token (plain ones are the isolation suites' job)", () => {
        const plainValues = new Set(world.needles().map((n) => n.text));
        const encodedOnly = forms.filter((f) => !plainValues.has(f.text));
        expect(t.tally.found(answers.flatMap((a, i) => findInText(a, encodedOnly, `answer ${i}`)))).toEqual(
          [],
        );
      });
    });
  });
});
