/**
 * Debian's Chromium driven by playwright-core for the console's system tests: one fresh profile per user
 * (its own cookies and localStorage), sign-in through the real page, every API answer recorded (for the
 * isolation checks), the browser console's errors collected, and screenshots under
 * `test-results/console/<test>/`.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "../../console/scripts/chromium.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const SHOTS = path.join(ROOT, "test-results", "console");

/**
 * @typedef {{ url: string, status: number, body: unknown }} ApiAnswer
 * @typedef {object} Console
 * @property {import("playwright-core").Page} page
 * @property {import("playwright-core").BrowserContext} context
 * @property {string[]} errors errors the page printed, and uncaught exceptions
 * @property {ApiAnswer[]} answers every JSON answer of /api/* the page received
 * @property {(testName: string, name: string) => Promise<string>} shot
 * @property {(username: string, password: string) => Promise<void>} signIn
 * @property {() => Promise<void>} close
 */

/**
 * @param {string} base
 * @param {{ locale?: string, size?: { width: number, height: number } }} [opts]
 * @returns {Promise<Console>}
 */
export async function openConsole(base, opts = {}) {
  const browser = await launchChromium({
    viewport: opts.size ?? { width: 1366, height: 768 },
    locale: opts.locale ?? "zh-CN",
    baseURL: base,
  });
  const { page, context } = browser;
  /** @type {string[]} */
  const errors = [];
  /** @type {ApiAnswer[]} */
  const answers = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${m.type()}: ${m.text()} @ ${page.url()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message} @ ${page.url()}`));
  page.on("response", async (r) => {
    if (!r.url().includes("/api/") || !(r.headers()["content-type"] ?? "").includes("json")) return;
    try {
      answers.push({ url: r.url(), status: r.status(), body: await r.json() });
    } catch {
      // the page navigated away before the body arrived
    }
  });
  return {
    page,
    context,
    errors,
    answers,
    async shot(testName, name) {
      const dir = path.join(SHOTS, testName.replace(/[^\w.-]+/g, "-"));
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async signIn(username, password) {
      await page.goto("/login");
      await page.locator('input[name="username"]').fill(username);
      await page.locator('input[name="password"]').fill(password);
      await page.locator('[data-testid="login-submit"]').click();
      await page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 30_000 });
    },
    close: browser.close,
  };
}
