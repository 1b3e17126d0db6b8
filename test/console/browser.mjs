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
 * @property {string[]} failed every answer of 400 or more the page got: `status path`
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
  /** @type {string[]} */
  const failed = [];
  page.on("response", (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
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
    failed,
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

/** A live segment or playlist gone by the time it was asked for (a rolling window, a restarted stream). */
const LIVE_MEDIA_GONE = /^404 \/media\/hls\/\d+\/(index\.m3u8|seg-\d+\.ts)$/;

/**
 * The page's errors that mean something is wrong: a live wall under load may ask for a segment the rolling
 * window has just deleted (hls.js goes on with the next), which Chromium logs as a failed resource load;
 * those are left out when every failed answer the page got was such a 404, and nothing else is.
 * @param {{ errors: string[], failed: string[] }} c
 */
export function unexpectedErrors(c) {
  const other = c.failed.filter((f) => !LIVE_MEDIA_GONE.test(f));
  if (other.length) return [...c.errors, ...other.map((f) => `failed answer: ${f}`)];
  return c.errors.filter((e) => !e.includes("the server responded with a status of 404"));
}
