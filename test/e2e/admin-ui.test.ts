import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../local/server.ts";
import { buildWeb } from "../../web/build.mjs";
import { type Browser, launchBrowser, pageText } from "./browser.ts";

// One server, one UI build and one browser for the whole file; the tests are one story, in order.
const ENV = "us_env_123";
const SPACE = "us_spa_123";
const ENV_VALUE_1 = "xoxb-env-first-5f1c9a";
const ENV_VALUE_2 = "xoxb-env-second-77d2e0";
const SPACE_VALUE = "xoxb-space-override-c3b8";
const SPACE_ONLY_VALUE = "space-only-value-9e41aa";
const ALL_VALUES = [ENV_VALUE_1, ENV_VALUE_2, SPACE_VALUE, SPACE_ONLY_VALUE];

let server: LocalServer;
let adminToken: string;
let b: Browser;
let page: Page;
let agentToken = "";
const tempDirs: string[] = [];
/** Bodies of every list-secrets answer the UI received: none may carry a value. */
const listBodies: Promise<string>[] = [];

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

/** No secret value anywhere in the page (DOM, form controls, storage), except `allowed`. */
async function expectNoValues(allowed: string[] = []) {
  const text = await pageText(page);
  for (const v of ALL_VALUES.filter((x) => !allowed.includes(x))) expect(text).not.toContain(v);
}

const row = (name: string): Locator => page.locator(`tr[data-secret="${name}"]`);
const status = (text: string | RegExp) => page.getByRole("status").filter({ hasText: text });

async function signIn(token: string) {
  await page.goto(server.url);
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function saveSecretDialog(value: string, button = "Save") {
  const dialog = page.getByRole("dialog");
  const field = dialog.getByLabel(/value/i);
  expect(await field.inputValue()).toBe(""); // write-only: never prefilled
  await field.fill(value);
  await dialog.getByRole("button", { name: button, exact: true }).click();
  await dialog.waitFor({ state: "detached" });
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
  adminToken = server.firstAdminToken ?? "";
  b = await launchBrowser();
  page = b.page;
  page.on("response", (r) => {
    if (/\/v1\/secrets\?/.test(r.url())) listBodies.push(r.text());
  });
});

afterAll(async () => {
  await b?.close();
  await server?.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe("admin UI in Chromium against the local server", () => {
  it("signs in with a token kept in sessionStorage only, and shows the server's error for a bad one", async () => {
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await b.screenshot("01-sign-in");

    await page.getByLabel("Access token").fill("sst_not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    const expected = await api("GET", "/v1/environments", "sst_not-a-real-token");
    expect(expected.status).toBe(401);
    await page.getByRole("alert").filter({ hasText: expected.body.errors[0].message }).waitFor();
    await b.screenshot("02-sign-in-error");

    await page.getByLabel("Access token").fill(adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Environments", level: 1 }).waitFor();
    await page.getByText("No environments yet").waitFor();
    expect(page.url()).not.toContain(adminToken);
    const storage = await page.evaluate(() => ({
      session: Object.values({ ...sessionStorage }),
      local: localStorage.length,
    }));
    expect(storage.session).toContain(adminToken);
    expect(storage.local).toBe(0);
    await b.screenshot("03-environments-empty");
  });

  it("creates an environment and a space, and shows the server's message for a taken id", async () => {
    const form = page.getByRole("form", { name: "Create environment" });
    await form.getByLabel("Name").fill("US production");
    await form.getByLabel("ID (optional)").fill(ENV);
    await form.getByRole("button", { name: "Create environment" }).click();
    await status(`Created environment US production (${ENV}).`).waitFor();
    await page.getByRole("link", { name: "US production" }).waitFor();

    await form.getByLabel("Name").fill("Duplicate");
    await form.getByLabel("ID (optional)").fill(ENV);
    await form.getByRole("button", { name: "Create environment" }).click();
    const taken = await api("POST", "/v1/environments", adminToken, { name: "again", id: ENV });
    expect(taken.status).toBe(409);
    await form.getByRole("alert").filter({ hasText: taken.body.errors[0].message }).waitFor();
    await b.screenshot("04-environments");

    await page.getByRole("link", { name: "US production" }).click();
    await page.getByText("No spaces yet").waitFor();
    const spaceForm = page.getByRole("form", { name: "Create space" });
    await spaceForm.getByLabel("Name").fill("Acme");
    await spaceForm.getByLabel("ID (optional)").fill(SPACE);
    await spaceForm.getByRole("button", { name: "Create space" }).click();
    await page.getByRole("link", { name: "Acme" }).waitFor();
    await b.screenshot("05-spaces");
    const spaces = await api("GET", `/v1/spaces?environmentId=${ENV}`, adminToken);
    expect(spaces.body.data.map((s: { id: string }) => s.id)).toEqual([SPACE]);
  });

  it("sets and edits an environment secret; values stay out of the page unless an admin reveals one", async () => {
    await page
      .getByRole("navigation", { name: "Environment" })
      .getByRole("link", { name: "Secrets" })
      .click();
    await page.getByText("No secrets yet").waitFor();
    await b.screenshot("06-environment-secrets-empty");

    // Keyboard: the dialog opens with focus in its first field, and Escape closes it.
    await page.getByRole("button", { name: "Add secret" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Add secret" }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });

    await page.getByRole("button", { name: "Add secret" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill("1BAD");
    await page.getByRole("dialog").getByLabel("Value").fill("x");
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    const bad = await api("POST", "/v1/secrets", adminToken, {
      name: "1BAD",
      value: "x",
      environmentId: ENV,
    });
    expect(bad.status).toBe(400);
    await page
      .getByRole("dialog")
      .getByRole("alert")
      .filter({ hasText: bad.body.errors[0].message })
      .waitFor();
    await page.getByRole("dialog").getByLabel("Name").fill("SLACK_TOKEN");
    await page.getByRole("dialog").getByLabel("Value").fill("");
    await b.screenshot("07-add-secret-dialog");
    await saveSecretDialog(ENV_VALUE_1);
    await status("Saved SLACK_TOKEN (version 1).").waitFor();
    expect(await row("SLACK_TOKEN").textContent()).toContain("v1");
    expect(await row("SLACK_TOKEN").textContent()).toContain("by bootstrap admin");
    await expectNoValues();

    await row("SLACK_TOKEN").getByRole("button", { name: "Edit SLACK_TOKEN" }).click();
    await saveSecretDialog(ENV_VALUE_2);
    await status("Saved SLACK_TOKEN (version 2).").waitFor();
    await expectNoValues();
    await b.screenshot("08-environment-secrets");

    const reveals = async () =>
      (await api("GET", `/v1/audit?environmentId=${ENV}`, adminToken)).body.data.filter(
        (e: { action: string }) => e.action === "secret.reveal",
      ).length;
    expect(await reveals()).toBe(0); // listing asked for no values, so nothing was revealed
    await row("SLACK_TOKEN").getByRole("button", { name: "Reveal SLACK_TOKEN" }).click();
    await row("SLACK_TOKEN").locator("code.revealed").filter({ hasText: ENV_VALUE_2 }).waitFor();
    await expectNoValues([ENV_VALUE_2]);
    expect(await reveals()).toBe(1);
    await b.screenshot("09-environment-secret-revealed");
    await row("SLACK_TOKEN").getByRole("button", { name: "Hide SLACK_TOKEN" }).click();
    await row("SLACK_TOKEN").getByRole("button", { name: "Reveal SLACK_TOKEN" }).waitFor();
    await expectNoValues();

    // A reload keeps the tab signed in (sessionStorage) and shows nothing revealed.
    await page.reload();
    await row("SLACK_TOKEN").getByRole("button", { name: "Reveal SLACK_TOKEN" }).waitFor();
    await expectNoValues();
  });

  it("shows the secret inherited in the space, overrides it, and an agent token made in the UI reads the right value", async () => {
    await page.getByRole("navigation", { name: "Environment" }).getByRole("link", { name: "Spaces" }).click();
    await page.getByRole("link", { name: "Acme" }).click();
    await page.getByRole("heading", { name: /Acme/, level: 1 }).waitFor();
    await row("SLACK_TOKEN").getByText("inherited from environment").waitFor();
    await b.screenshot("10-space-secrets-inherited");

    await row("SLACK_TOKEN").getByRole("button", { name: "Override SLACK_TOKEN" }).click();
    await saveSecretDialog(SPACE_VALUE, "Override");
    await status(/Overrode SLACK_TOKEN in this space/).waitFor();
    await row("SLACK_TOKEN").getByText("overridden in this space").waitFor();
    await expectNoValues();
    await b.screenshot("11-space-secrets-overridden");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tokens" }).click();
    const form = page.getByRole("form", { name: "Create token" });
    await form.getByLabel("Name").fill("acme agent");
    await form.getByLabel("Role").selectOption("agent");
    await form.getByLabel("Environment").selectOption(ENV);
    await form.getByLabel("Space (optional)").selectOption(SPACE);
    await form.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByLabel("New token");
    await shown.waitFor();
    agentToken = await shown.inputValue();
    expect(agentToken).toMatch(/^sst_[A-Za-z0-9_-]{43}$/);
    await page.getByRole("button", { name: "Copy" }).click();
    await status("Copied to the clipboard.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(agentToken);
    await b.screenshot("12-token-created");

    const read = await api(
      "GET",
      `/v1/secrets?environmentId=${ENV}&spaceId=${SPACE}&name=SLACK_TOKEN`,
      agentToken,
    );
    expect(read.status).toBe(200);
    expect(read.body.data[0].value).toBe(SPACE_VALUE);

    await page.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "detached" });
    expect(await pageText(page)).not.toContain(agentToken); // shown once, then gone
  });

  it("removes the override (the environment value shows again) and adds and deletes a space-only secret", async () => {
    await page.goBack(); // back to the space page, through the router
    await row("SLACK_TOKEN").getByText("overridden in this space").waitFor();
    await row("SLACK_TOKEN").getByRole("button", { name: "Remove override of SLACK_TOKEN" }).click();
    const confirm = page.getByRole("dialog", { name: "Remove the override of SLACK_TOKEN?" });
    await confirm.waitFor();
    await b.screenshot("13-remove-override-confirm");
    await confirm.getByRole("button", { name: "Remove override" }).click();
    await status(/this space sees the environment value again/).waitFor();
    await row("SLACK_TOKEN").getByText("inherited from environment").waitFor();
    const read = await api(
      "GET",
      `/v1/secrets?environmentId=${ENV}&spaceId=${SPACE}&name=SLACK_TOKEN`,
      agentToken,
    );
    expect(read.body.data[0].value).toBe(ENV_VALUE_2);

    await page.getByRole("button", { name: "Add space secret" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill("ACME_ONLY");
    await saveSecretDialog(SPACE_ONLY_VALUE);
    await row("ACME_ONLY").getByText("only in this space").waitFor();
    await expectNoValues();
    await b.screenshot("14-space-secrets");
    const envOnly = await api("GET", `/v1/secrets?environmentId=${ENV}&reveal=false`, adminToken);
    expect(envOnly.body.data.map((s: { name: string }) => s.name)).toEqual(["SLACK_TOKEN"]);

    await row("ACME_ONLY").getByRole("button", { name: "Delete ACME_ONLY" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete ACME_ONLY?" });
    await dialog.getByRole("button", { name: "Cancel" }).click(); // cancel keeps it
    await dialog.waitFor({ state: "detached" });
    expect(await row("ACME_ONLY").count()).toBe(1);
    await row("ACME_ONLY").getByRole("button", { name: "Delete ACME_ONLY" }).click();
    await dialog.getByRole("button", { name: "Delete secret" }).click();
    await status("Deleted ACME_ONLY.").waitFor();
    await row("ACME_ONLY").waitFor({ state: "detached" });
  });

  it("lists tokens with their last use and revokes one", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tokens" }).click();
    const agentRow = page.locator("tr", { hasText: "acme agent" });
    await agentRow.waitFor();
    expect(await agentRow.locator("td").nth(3).textContent()).not.toBe("never"); // it read a secret above
    await b.screenshot("15-tokens");
    await agentRow.getByRole("button", { name: "Revoke acme agent" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
    await status("Revoked acme agent.").waitFor();
    await agentRow.getByText("revoked").waitFor();
    expect((await api("GET", `/v1/secrets?environmentId=${ENV}&spaceId=${SPACE}`, agentToken)).status).toBe(
      401,
    );
  });

  it("shows the audit log with actor, action, target and time, never values", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
    const log = page.getByRole("region", { name: "Recent activity" });
    await log.locator("tbody tr").first().waitFor();
    const text = (await log.textContent()) ?? "";
    for (const action of ["secret.create", "secret.update", "secret.reveal", "secret.delete", "space.create"])
      expect(text).toContain(action);
    expect(text).toContain("bootstrap admin");
    expect(text).toContain("SLACK_TOKEN");
    expect(await log.locator("tbody tr time").count()).toBeGreaterThan(5);
    await expectNoValues();
    await b.screenshot("16-audit");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Environments" }).click();
    await page.getByRole("link", { name: "US production" }).click();
    await page
      .getByRole("navigation", { name: "Environment" })
      .getByRole("link", { name: "Audit log" })
      .click();
    await page.getByRole("region", { name: "Recent activity" }).getByText("environment.create").waitFor();
    await b.screenshot("17-environment-audit");
  });

  it("an operator sees secrets masked and cannot reveal them, in the UI or through the API", async () => {
    const created = await api("POST", "/v1/tokens", adminToken, {
      name: "us operator",
      role: "operator",
      environmentId: ENV,
    });
    const operator: string = created.body.data.token;
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You are signed out.").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await signIn(operator);
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Tokens" }).count()).toBe(0);
    await page.getByRole("link", { name: "US production" }).click();
    await page
      .getByRole("navigation", { name: "Environment" })
      .getByRole("link", { name: "Secrets" })
      .click();
    await row("SLACK_TOKEN").waitFor();
    expect(await page.getByRole("button", { name: /^Reveal/ }).count()).toBe(0);
    await page.getByText("Operators set values but never see them.").waitFor();
    await expectNoValues();
    await b.screenshot("18-operator-secrets");

    // The operator can still write: a new value, never shown back.
    await row("SLACK_TOKEN").getByRole("button", { name: "Edit SLACK_TOKEN" }).click();
    await saveSecretDialog(ENV_VALUE_1);
    await status("Saved SLACK_TOKEN (version 3).").waitFor();
    await expectNoValues();

    const id = (await api("GET", `/v1/secrets?environmentId=${ENV}&reveal=false`, adminToken)).body.data[0]
      .id;
    const one = await api("GET", `/v1/secrets/${id}`, operator);
    expect(one.status).toBe(200);
    expect(one.body.data.value).toBeUndefined();
    const list = await api("GET", `/v1/secrets?environmentId=${ENV}`, operator);
    expect(list.body.data[0].value).toBeUndefined();
  });

  it("an agent token gets a read-only view without values", async () => {
    const created = await api("POST", "/v1/tokens", adminToken, {
      name: "ui agent",
      role: "agent",
      environmentId: ENV,
    });
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(created.body.data.token);
    await page.getByText("This is an agent token").waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link").allTextContents()).toEqual(["Environments"]);
    await page.getByRole("link", { name: "US production" }).click();
    await page
      .getByRole("navigation", { name: "Environment" })
      .getByRole("link", { name: "Secrets" })
      .click();
    await row("SLACK_TOKEN").waitFor();
    expect(await page.locator("main button").count()).toBe(0); // no reveal, add, edit or delete
    await expectNoValues();
    await b.screenshot("19-agent-secrets");
  });

  it("never received a value in a list answer", async () => {
    const bodies = await Promise.all(listBodies);
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) {
      expect(body).not.toContain('"value"');
      for (const v of ALL_VALUES) expect(body).not.toContain(v);
    }
  });

  it("asked only its own origin for everything and logged no errors (CSP included)", () => {
    expect(b.requests.length).toBeGreaterThan(10);
    const foreign = b.requests.filter((u) => !u.startsWith(`${server.url}/`));
    expect(foreign).toEqual([]);
    expect(b.problems).toEqual([]);
  });
});
