#!/usr/bin/env node
/**
 * Screenshots of console pages, as a user sees them, in Debian's Chromium (no browser download):
 *
 *   node console/scripts/screenshot.mjs --base http://127.0.0.1:8080 --user mingshui.duty \
 *     --size 1366x768 --out /tmp/shots /live /alerts /cases
 *
 * Signs in through the sign-in page (password: --password, MINGFANG_DEMO_PASSWORD or mingfang-demo),
 * opens each path, waits for the network to settle (--wait ms more), and writes <out>/<name>.png. Prints
 * the browser console's errors and warnings for each page, which a finished page must not have.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { launchChromium } from "./chromium.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    base: { type: "string", default: "http://127.0.0.1:8080" },
    user: { type: "string", default: "mingshui.duty" },
    password: { type: "string", default: process.env.MINGFANG_DEMO_PASSWORD ?? "mingfang-demo" },
    size: { type: "string", default: "1366x768" },
    out: { type: "string", default: "/tmp/mingfang-shots" },
    wait: { type: "string", default: "1500" },
    lang: { type: "string", default: "zh-CN" },
    "full-page": { type: "boolean", default: false },
  },
});
const [width, height] = values.size.split("x").map(Number);
mkdirSync(values.out, { recursive: true });
const browser = await launchChromium({ viewport: { width, height }, locale: values.lang });
const page = browser.page;
let messages = [];
page.on("console", (m) => {
  if (m.type() === "error" || m.type() === "warning") messages.push(`${m.type()}: ${m.text()}`);
});
page.on("pageerror", (e) => messages.push(`pageerror: ${e.message}`));
try {
  await page.addInitScript((lang) => localStorage.setItem("mingfang.locale", lang), values.lang);
  if (values.user !== "none") {
    await page.goto(`${values.base}/login`);
    await page.locator('input[name="username"]').fill(values.user);
    await page.locator('input[name="password"]').fill(values.password);
    await page.locator('[data-testid="login-submit"]').click();
    await page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 15000 });
  }
  for (const p of positionals.length ? positionals : ["/"]) {
    messages = [];
    await page.goto(`${values.base}${p}`);
    await page.waitForLoadState("networkidle", { timeout: 15000 }).catch(() => {});
    await page.waitForTimeout(Number(values.wait));
    const name = `${values.user}${p.replace(/[^a-zA-Z0-9]+/g, "_")}-${values.size}.png`.replace(/_+-/, "-");
    const file = path.join(values.out, name);
    await page.screenshot({ path: file, fullPage: values["full-page"] });
    process.stdout.write(`${file}${messages.length ? `\n  ${messages.join("\n  ")}` : ""}\n`);
  }
} finally {
  await browser.close();
}
