/**
 * The public transparent-supervision pages on a phone, against the real stack (`mingfang demo` with a few
 * simulated cameras): a 390×844 touch viewport opens a site's page from its QR code's URL without signing
 * in, the live video plays, the feedback form sends a complaint (and shows the daily limit's 429 in
 * words), and the complaint appears live in the station's console inbox with the menu's badge. Screenshots
 * under test-results/console/public/.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PublicSiteList } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { launchChromium } from "../../console/scripts/chromium.mjs";
import { type DemoProcess, startDemo } from "../support/demo-process.mjs";
import { SHOTS } from "./browser.mjs";
import { demoClient } from "./demo-client.js";

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let demo: DemoProcess;
const { open, apiSession, apiGet, closeAll } = demoClient(() => demo);
const dir = path.join(SHOTS, "public");
const shot = (name: string) => path.join(dir, `${name}.png`);

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  demo = await startDemo({ cameras: 4 });
}, 240_000);

afterAll(async () => {
  await closeAll();
  await demo?.stop();
});

describe("the public pages on a phone", () => {
  it("plays a site's live video without signing in; its feedback arrives live in the station's inbox", async () => {
    const list = (await (await fetch(`${demo.url}/api/public/sites`)).json()) as PublicSiteList;
    const site = list.items.find((s) => s.cover !== null);
    expect(site, "a demonstration site with a camera the demo streams").toBeDefined();
    const admin = await apiSession("admin", demo.adminPassword);
    const stations = await apiGet<{ items: { id: number; name: string; code: string }[] }>(
      admin,
      "/api/stations",
    );
    const code = stations.items.find((s) => s.name === site!.stationName)!.code;

    // The station's staff has the inbox open before the citizen writes.
    const staff = await open(`${code}.staff`);
    await staff.page.goto("/public-feedback");
    await staff.page.locator('[data-testid="feedback-table"]').waitFor();

    const phone = await launchChromium({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: "zh-CN",
      baseURL: demo.url,
    });
    const errors: string[] = [];
    const body = `后厨操作员未戴手套直接接触食品 ${Date.now()}`;
    phone.page.on("pageerror", (e) => errors.push(e.message));
    try {
      const p = phone.page;
      await p.goto("/public");
      await p.locator('[data-testid="site-card"]').first().waitFor();
      expect(await p.locator('[data-testid="site-card"]').count()).toBe(list.items.length);
      await p.screenshot({ path: shot("public-list") });
      // English as a switch, remembered on the device; back to Chinese for the rest.
      await p.locator('[data-testid="lang-switch"]').tap();
      expect(await p.locator("h1").textContent()).toBe("Transparent-supervision sites");
      await p.reload();
      expect(await p.locator(".programme").textContent()).toBe("Transparent supervision");
      await p.locator('[data-testid="lang-switch"]').tap();
      expect(await p.locator("h1").textContent()).toBe("透明化监管示范点");

      // The QR code on the door carries the site's URL.
      await p.goto(`/public/sites/${site!.id}`);
      await p.locator('[data-testid="licence-card"]').waitFor();
      expect(await p.locator('[data-testid="licence-card"]').textContent()).toContain(site!.licenceNo);
      // The video plays: frames decoded and time moving.
      await p.waitForFunction(
        () => {
          const v = document.querySelector<HTMLVideoElement>('[data-testid="public-video"]');
          return !!v && v.readyState >= 2 && v.currentTime > 0.5 && v.videoWidth > 0;
        },
        undefined,
        { timeout: 120_000, polling: 250 },
      );
      const playing = await p.evaluate(() => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid="public-video"]')!;
        return { src: v.currentSrc, paused: v.paused };
      });
      expect(playing.paused).toBe(false);
      expect(await p.locator('[data-testid="days-since"]').textContent()).toBeTruthy();
      await p.screenshot({ path: shot("public-site") });

      // Feedback: a complaint, with the counter following the text.
      await p.locator('[data-kind="complaint"]').tap();
      expect(await p.locator('[data-kind="complaint"]').getAttribute("aria-pressed")).toBe("true");
      await p.locator('textarea[name="body"]').fill(body);
      expect(await p.locator('[data-testid="fb-counter"]').textContent()).toBe(`${body.length}/500`);
      await p.locator('input[name="contact"]').fill("13900000000");
      await p.locator(".fb-submit").tap();
      await p.locator('[data-testid="fb-status"].ok').waitFor({ timeout: 30_000 });
      expect(await p.locator('[data-testid="fb-status"]').textContent()).toContain("已收到");
      await p.locator('[data-testid="feedback-form"]').scrollIntoViewIfNeeded();
      await p.screenshot({ path: shot("public-site-feedback") });

      // It arrives in the station's inbox without a reload, with the badge.
      await staff.page
        .locator('[data-testid="feedback-row"]', { hasText: body })
        .waitFor({ timeout: 30_000 });
      await staff.page.locator('[data-testid="feedback-badge"]').waitFor({ timeout: 30_000 });
      expect(
        Number(await staff.page.locator('[data-testid="feedback-badge"] sup').textContent()),
      ).toBeGreaterThan(0);

      // Past the day's limit for this site (3 from one address), the form says when to try again.
      for (let i = 0; i < 3; i++) {
        await p.locator('textarea[name="body"]').fill(`第 ${i + 2} 条：门口未公示健康证`);
        await p.locator(".fb-submit").tap();
        await p.waitForFunction(
          () => !document.querySelector<HTMLButtonElement>(".fb-submit")?.disabled,
          undefined,
          { timeout: 30_000 },
        );
      }
      expect(await p.locator('[data-testid="fb-status"]').getAttribute("class")).toContain("error");
      expect(await p.locator('[data-testid="fb-status"]').textContent()).toContain("提交过于频繁");
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }

    // The station answers and closes it from the inbox.
    const row = staff.page.locator(".el-table__row", { hasText: body });
    await row.locator('[data-testid="feedback-reply"]').first().click();
    await staff.page.locator('textarea[data-testid="feedback-reply-text"]').fill("已现场检查并责令整改。");
    await staff.page.locator('[data-testid="feedback-reply-send"]').click();
    await staff.page
      .locator(".el-table__row", { hasText: body })
      .locator('[data-testid="feedback-status"]', { hasText: "已答复" })
      .waitFor({ timeout: 30_000 });
    // The demo's alerts keep raising notices: hidden for the picture of the inbox (the test is done).
    await staff.page.addStyleTag({ content: ".el-notification { display: none !important; }" });
    await staff.page.screenshot({ path: shot("public-feedback-inbox") });
  });
});
