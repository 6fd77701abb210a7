import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../local/server.ts";
import { buildWeb } from "../../web/build.mjs";
import { type Browser, launchBrowser, pageText } from "./browser.ts";

// Secret history and rollback, renaming and deleting environments and spaces, in real Chromium
// against the real local server. One story, in order; screenshots go to test-artifacts/screenshots/.
const ENV = "us_env_123";
const SPACE = "us_spa_123";
const V1 = "xoxb-history-first-1a2b";
const V2 = "xoxb-history-second-3c4d";
const V3 = "xoxb-history-third-5e6f";
const SPACE_VALUE = "xoxb-history-space-7a8b";
const ALL_VALUES = [V1, V2, V3, SPACE_VALUE];

let server: LocalServer;
let admin: string;
let operator: string;
let b: Browser;
let page: Page;
let secretId: string;
const tempDirs: string[] = [];

async function api(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers; each test checks the fields it uses
  return { status: res.status, body: (await res.json()) as any };
}

async function expectNoValues(allowed: string[] = []) {
  const text = await pageText(page);
  for (const v of ALL_VALUES.filter((x) => !allowed.includes(x))) expect(text).not.toContain(v);
}

const row = (name: string): Locator => page.locator(`tr[data-secret="${name}"]`);
const status = (text: string | RegExp) => page.getByRole("status").filter({ hasText: text });
const screenshot = (name: string) => b.screenshot(`history-${name}`);

async function signIn(token: string) {
  await page.goto(server.url);
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function openEnvironmentSecrets() {
  await page.goto(`${server.url}/#/environments/${ENV}/secrets`);
  await row("SLACK_TOKEN").waitFor();
}

beforeAll(async () => {
  const webDir = mkdtempSync(join(tmpdir(), "ss-web-"));
  const dataDir = mkdtempSync(join(tmpdir(), "ss-data-"));
  tempDirs.push(webDir, dataDir);
  await buildWeb({ outDir: webDir });
  server = await startLocalServer({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    webDir,
    log: () => undefined,
    say: () => undefined,
  });
  admin = server.firstAdminToken ?? "";
  await api("POST", "/v1/environments", admin, { name: "US production", id: ENV });
  await api("POST", "/v1/spaces", admin, { environmentId: ENV, name: "Acme", id: SPACE });
  operator = (
    await api("POST", "/v1/tokens", admin, { name: "release bot", role: "operator", environmentId: ENV })
  ).body.data.token;
  // v1 by the admin, v2 by the operator, v3 by the admin: history must name each writer.
  secretId = (await api("POST", "/v1/secrets", admin, { name: "SLACK_TOKEN", value: V1, environmentId: ENV }))
    .body.data.id;
  await api("POST", "/v1/secrets", operator, { name: "SLACK_TOKEN", value: V2, environmentId: ENV });
  await api("POST", "/v1/secrets", admin, { name: "SLACK_TOKEN", value: V3, environmentId: ENV });
  await api("POST", "/v1/secrets", operator, {
    name: "SLACK_TOKEN",
    value: SPACE_VALUE,
    environmentId: ENV,
    spaceId: SPACE,
  });
  await api("POST", "/v1/secrets", operator, { name: "OTHER", value: V2, environmentId: ENV });
  b = await launchBrowser();
  page = b.page;
});

afterAll(async () => {
  await b?.close();
  await server?.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe("secret history and rollback", () => {
  it("shows versions newest first with kind, time and the writer's token name, and no value", async () => {
    await signIn(admin);
    await openEnvironmentSecrets();
    expect(await row("SLACK_TOKEN").textContent()).toContain("by bootstrap admin");
    expect(await row("OTHER").textContent()).toContain("by release bot"); // a token name, not tok_…

    await row("SLACK_TOKEN").getByRole("button", { name: "History of SLACK_TOKEN" }).click();
    const dialog = page.getByRole("dialog", { name: "History of SLACK_TOKEN" });
    await dialog.waitFor();
    const versions = dialog.getByRole("table", { name: "Versions of SLACK_TOKEN, newest first" });
    await versions.locator("tbody tr").nth(2).waitFor();
    const rows = await versions
      .locator("tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("th, td")].map((c) => c.textContent?.trim() ?? "")),
      );
    expect(rows.map(([v, kind, , by]) => [v, kind, by])).toEqual([
      ["v3", "valuecurrent", "bootstrap admin"],
      ["v2", "value", "release bot"],
      ["v1", "value", "bootstrap admin"],
    ]);
    expect(await versions.locator("tbody time").count()).toBe(3);
    // The current version has nothing to roll back to; each older value version has one button.
    expect(await dialog.getByRole("button", { name: /^Roll back to version/ }).count()).toBe(2);
    await expectNoValues();
    await screenshot("01-history");
  });

  it("is a keyboard dialog: focus inside, Escape closes it and focus returns to its button", async () => {
    const dialog = page.getByRole("dialog", { name: "History of SLACK_TOKEN" });
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    const labelled = await dialog.evaluate((d) => {
      const id = d.getAttribute("aria-labelledby");
      return id ? document.getElementById(id)?.textContent : null;
    });
    expect(labelled).toBe("History of SLACK_TOKEN");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "History of SLACK_TOKEN",
    );
  });

  it("rolls back to version 1 after confirming: version 4 holds version 1's value, shown at once", async () => {
    await page.keyboard.press("Enter"); // the focused History button opens it again
    const dialog = page.getByRole("dialog", { name: "History of SLACK_TOKEN" });
    await dialog.locator("tbody tr").nth(2).waitFor();
    await dialog.getByRole("button", { name: "Roll back to version 1" }).click();
    const confirm = page.getByRole("dialog", { name: "Roll SLACK_TOKEN back to version 1?" });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain("This writes version 4 holding the value of version 1");
    await screenshot("02-rollback-confirm");

    // Escape closes only the confirmation, and focus goes back to the button that opened it.
    await page.keyboard.press("Escape");
    await confirm.waitFor({ state: "detached" });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Roll back to version 1",
    );
    // Cancel writes nothing either.
    await dialog.getByRole("button", { name: "Roll back to version 1" }).click();
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    expect((await api("GET", `/v1/secrets/${secretId}?reveal=false`, admin)).body.data.version).toBe(3);

    await dialog.getByRole("button", { name: "Roll back to version 1" }).click();
    await confirm.getByRole("button", { name: "Roll back" }).click();
    await confirm.waitFor({ state: "detached" });
    const done = "Rolled SLACK_TOKEN back to version 1’s value, as version 4.";
    await dialog.getByRole("status").filter({ hasText: done }).waitFor();
    const newest = dialog.locator("tbody tr").first();
    await newest.filter({ hasText: "v4" }).waitFor();
    expect(await newest.textContent()).toMatch(/v4rollbackto v1’s valuecurrent.*bootstrap admin/);
    await expectNoValues();
    await screenshot("03-history-after-rollback");

    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "detached" });
    await status(done).waitFor();
    expect(await row("SLACK_TOKEN").textContent()).toContain("v4");

    // As admin through the API: the current value is version 1's, as version 4.
    const read = await api("GET", `/v1/secrets?environmentId=${ENV}&name=SLACK_TOKEN`, admin);
    expect(read.body.data[0]).toMatchObject({ value: V1, version: 4, updatedByName: "bootstrap admin" });
    const history = await api("GET", `/v1/secrets/${secretId}/versions`, admin);
    expect(history.body.data[0]).toMatchObject({ version: 4, kind: "value", rollbackOf: 1 });
    await expectNoValues();
  });

  it("in a space: an override has its own history; an inherited row shows the environment's, without Roll back", async () => {
    await page.goto(`${server.url}/#/environments/${ENV}/spaces/${SPACE}`);
    await row("OTHER").getByText("inherited from environment").waitFor();
    await row("OTHER").getByRole("button", { name: "History of OTHER" }).click();
    const inherited = page.getByRole("dialog", { name: "History of OTHER" });
    await inherited.locator("tbody tr").first().waitFor();
    await inherited.getByText("roll it back from the environment’s secrets").waitFor();
    expect(await inherited.getByRole("button", { name: /^Roll back/ }).count()).toBe(0);
    await page.keyboard.press("Escape");
    await inherited.waitFor({ state: "detached" });

    await row("SLACK_TOKEN").getByRole("button", { name: "History of SLACK_TOKEN" }).click();
    const own = page.getByRole("dialog", { name: "History of SLACK_TOKEN" });
    await own.locator("tbody tr").first().waitFor();
    expect(await own.locator("tbody tr").count()).toBe(1);
    expect(await own.locator("tbody tr").first().textContent()).toContain("release bot");
    await expectNoValues();
    await screenshot("04-space-history");
    await own.getByRole("button", { name: "Close" }).click();
    await own.waitFor({ state: "detached" });

    // Rename from the space's own page; the id (which agents use) stays.
    await page.getByRole("button", { name: "Rename", exact: true }).click();
    const rename = page.getByRole("dialog", { name: "Rename space Acme", exact: true });
    await rename.getByLabel("New name").fill("Acme Inc");
    await rename.getByRole("button", { name: "Rename" }).click();
    await status("Renamed the space to Acme Inc.").waitFor();
    await page.getByRole("heading", { name: /Acme Inc/, level: 1 }).waitFor();
  });

  it("shows the server's message when a history cannot be loaded (the secret was deleted meanwhile)", async () => {
    await api("POST", "/v1/secrets", admin, { name: "GONE", value: V3, environmentId: ENV });
    await openEnvironmentSecrets();
    const gone = (await api("GET", `/v1/secrets?environmentId=${ENV}&name=GONE&reveal=false`, admin)).body
      .data[0].id;
    await api("DELETE", `/v1/secrets/${gone}`, admin);
    await row("GONE").getByRole("button", { name: "History of GONE" }).click();
    const dialog = page.getByRole("dialog", { name: "History of GONE" });
    await dialog
      .getByRole("alert")
      .filter({ hasText: `secret ${gone} not found` })
      .waitFor();
    expect(await dialog.locator("table").count()).toBe(0);
    await screenshot("04b-history-error");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  it("an operator sees the same history with token names and no values", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(operator);
    await openEnvironmentSecrets();
    // An operator cannot list tokens: the names come from the API, stored with each write.
    expect(await row("SLACK_TOKEN").textContent()).toContain("by bootstrap admin");
    expect(await row("OTHER").textContent()).toContain("by release bot");
    await row("SLACK_TOKEN").getByRole("button", { name: "History of SLACK_TOKEN" }).click();
    const dialog = page.getByRole("dialog", { name: "History of SLACK_TOKEN" });
    await dialog.locator("tbody tr").nth(3).waitFor();
    const text = (await dialog.textContent()) ?? "";
    expect(text).toContain("release bot");
    expect(text).toContain("bootstrap admin");
    expect(text).not.toContain("tok_");
    await expectNoValues();
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(admin);
  });
});

describe("rename and delete environments and spaces", () => {
  it("renames the environment; its id stays", async () => {
    await page.goto(`${server.url}/#/environments/${ENV}`);
    await page.getByRole("heading", { name: /US production/, level: 1 }).waitFor();
    await page.getByRole("button", { name: "Rename", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Rename environment US production" });
    const field = dialog.getByLabel("New name");
    expect(await field.inputValue()).toBe("US production");
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true); // focus starts in the field
    await field.fill("US production (main)");
    await screenshot("05-rename-environment");
    await dialog.getByRole("button", { name: "Rename" }).click();
    await dialog.waitFor({ state: "detached" });
    await status("Renamed the environment to US production (main).").waitFor();
    await page.getByRole("heading", { name: /US production \(main\)/, level: 1 }).waitFor();
    expect((await api("GET", `/v1/environments/${ENV}`, admin)).body.data).toMatchObject({
      id: ENV,
      name: "US production (main)",
    });
  });

  it("renames a space from the spaces list", async () => {
    await page
      .locator(`tr[data-space="${SPACE}"]`)
      .getByRole("button", { name: "Rename space Acme Inc", exact: true })
      .click();
    const dialog = page.getByRole("dialog", { name: "Rename space Acme Inc", exact: true });
    await dialog.getByLabel("New name").fill("Acme Corp");
    await dialog.getByRole("button", { name: "Rename" }).click();
    await status("Renamed space Acme Inc to Acme Corp.").waitFor();
    await page.getByRole("link", { name: "Acme Corp" }).waitFor();
    const spaces = await api("GET", `/v1/spaces?environmentId=${ENV}`, admin);
    expect(spaces.body.data).toMatchObject([{ id: SPACE, name: "Acme Corp" }]);
    await screenshot("06-spaces-renamed");
  });

  it("explains why a space with secrets of its own cannot be deleted, then deletes it once empty", async () => {
    const spaceRow = page.locator(`tr[data-space="${SPACE}"]`);
    await spaceRow.getByRole("button", { name: "Delete space Acme Corp" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete space Acme Corp?" });
    await confirm.getByRole("button", { name: "Delete space" }).click();
    const refused = await api("DELETE", `/v1/spaces/${SPACE}`, admin);
    expect(refused.status).toBe(409);
    const alert = confirm.getByRole("alert");
    await alert.filter({ hasText: refused.body.errors[0].message }).waitFor();
    expect(await alert.textContent()).toContain("only when it has no secrets of its own");
    await screenshot("07-delete-space-409");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });

    const override = await api(
      "GET",
      `/v1/secrets?environmentId=${ENV}&spaceId=${SPACE}&reveal=false`,
      admin,
    );
    const own = override.body.data.find((s: { spaceId: string | null }) => s.spaceId === SPACE);
    expect((await api("DELETE", `/v1/secrets/${own.id}`, admin)).status).toBe(200);
    await spaceRow.getByRole("button", { name: "Delete space Acme Corp" }).click();
    await confirm.getByRole("button", { name: "Delete space" }).click();
    await status(`Deleted space Acme Corp (${SPACE}).`).waitFor();
    await page.getByText("No spaces yet").waitFor();
    // Its Delete button went with its row: focus lands on the list's heading, not nowhere.
    await page.waitForFunction(() => document.activeElement?.id === "spaces-title");
    expect((await api("GET", `/v1/spaces/${SPACE}`, admin)).status).toBe(404);
  });

  it("explains why a non-empty environment cannot be deleted, then deletes it once empty", async () => {
    await page.getByRole("button", { name: "Delete environment" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete environment US production (main)?" });
    await confirm.getByRole("button", { name: "Delete environment" }).click();
    const refused = await api("DELETE", `/v1/environments/${ENV}`, admin);
    expect(refused.status).toBe(409);
    const alert = confirm.getByRole("alert");
    await alert.filter({ hasText: refused.body.errors[0].message }).waitFor();
    expect(await alert.textContent()).toContain("deleted only when it is empty");
    await screenshot("08-delete-environment-409");
    await page.keyboard.press("Escape");
    await confirm.waitFor({ state: "detached" });

    const left = await api("GET", `/v1/secrets?environmentId=${ENV}&reveal=false`, admin);
    for (const s of left.body.data) await api("DELETE", `/v1/secrets/${s.id}`, admin);
    await page.getByRole("button", { name: "Delete environment" }).click();
    await confirm.getByRole("button", { name: "Delete environment" }).click();
    await status(`Deleted environment US production (main) (${ENV}).`).waitFor();
    await page.getByRole("heading", { name: "Environments", level: 1 }).waitFor();
    await page.getByText("No environments yet").waitFor();
    expect((await api("GET", `/v1/environments/${ENV}`, admin)).status).toBe(404);
    await screenshot("09-environment-deleted");
  });

  it("asked only its own origin, logged no errors, and never held a value", async () => {
    await expectNoValues();
    expect(b.requests.filter((u) => !u.startsWith(`${server.url}/`))).toEqual([]);
    expect(b.problems).toEqual([]);
  });
});
