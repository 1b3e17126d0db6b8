/**
 * Debian's Chromium (no browser download) for the console's screenshots, browser tests and benches: the
 * flags this machine needs, a fresh profile each time, removed on close.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Video plays without a click (a console user clicks the wall first; tests and benches cannot).
  "--autoplay-policy=no-user-gesture-required",
];

/**
 * @param {import("playwright-core").BrowserContextOptions} [options]
 * @returns {Promise<{ context: import("playwright-core").BrowserContext, page: import("playwright-core").Page, profile: string, close: () => Promise<void> }>}
 */
export async function launchChromium(options = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), "mf-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    timezoneId: "Asia/Shanghai",
    ...options,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    profile,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
