import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
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

/** Debian's Chromium (`npx playwright install` cannot download browsers here). */
export function requireChromium(): void {
  if (existsSync(CHROMIUM)) return;
  throw new Error(
    `Chromium is missing at ${CHROMIUM}. Run \`npm test\` as root (scripts/system-deps.mjs installs it), ` +
      "or install it yourself: sudo apt-get update && sudo apt-get install -y chromium",
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
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), "ss-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
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
