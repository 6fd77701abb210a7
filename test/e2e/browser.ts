import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { findChromium, installHint } from "../../scripts/find-tools.mjs";

export const SCREENSHOT_DIR = resolve(import.meta.dirname, "../../test-artifacts/screenshots");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * The installed Chrome or Chromium (CHROMIUM_PATH, or where it usually lives on this OS: see
 * scripts/find-tools.mjs); `npx playwright install` cannot download browsers here.
 */
export function requireChromium(): string {
  const found = findChromium();
  if (found) return found.path;
  throw new Error(
    `Chrome/Chromium not found (set CHROMIUM_PATH to use another). Install it: ${installHint("chromium")}`,
  );
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested, and every console error or page error. */
  requests: string[];
  problems: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile; collects requests and console errors for hygiene checks. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = requireChromium();
  const profile = mkdtempSync(join(tmpdir(), "ss-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
    timezoneId: "UTC",
    permissions: ["clipboard-read", "clipboard-write"],
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const problems: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    // 4xx answers the UI handles (and shows) are logged by Chromium as console errors; they are expected.
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    requests,
    problems,
    async screenshot(name) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Everything of the page a value could hide in: the serialized DOM, the live values of form
 * controls (not serialized), and both web storages.
 */
export function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.documentElement.outerHTML];
    for (const el of document.querySelectorAll("input, textarea, select"))
      parts.push((el as HTMLInputElement).value);
    for (const store of [sessionStorage, localStorage])
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i) ?? "";
        parts.push(key, store.getItem(key) ?? "");
      }
    return parts.join("\n");
  });
}
