/**
 * 录像回放 in a real browser against the real API (PGlite, the run's Redis) with real recording: a day of a
 * camera made by ffmpeg (test/support/recording-fixture.ts: three spans, 1 s segments in minute chunks).
 * A duty officer of the station scrubs the day, plays from arbitrary moments (the time from the click to a
 * playing video is measured and printed), changes speed, zooms, selects a span and downloads it as MP4; the
 * bureau sees the same page; another station's camera stays hidden. Screenshots at 1440×900 under
 * test-results/console/playback/.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_PASSWORD, buildTestApp, DEMO_PASSWORD, type TestApp } from "../support/harness.js";
import { recordSpans } from "../support/recording-fixture.js";
import { type Console, openConsole } from "./browser.mjs";

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
const run = promisify(execFile);

const CST = 8 * 3600_000;
/** Yesterday in Asia/Shanghai, and an instant of it from "HH:MM:SS". */
const DAY = new Date(Date.now() + CST - 86_400_000).toISOString().slice(0, 10);
const at = (hms: string) => Date.parse(`${DAY}T${hms}Z`) - CST;
const SIZE = { width: 1440, height: 900 };
const NAME = "playback";

let t: TestApp;
let base: string;
let dataDir: string;
let own: number;
let other: number;
const consoles: Console[] = [];

async function signedIn(user: string, password = DEMO_PASSWORD, locale = "zh-CN"): Promise<Console> {
  const c = await openConsole(base, { size: SIZE, locale });
  consoles.push(c);
  await c.signIn(user, password);
  return c;
}

async function alert(cameraId: number, when: number, grade: number, type: string): Promise<void> {
  const cam = await t.db
    .selectFrom("cameras as c")
    .innerJoin("workshops as w", "w.id", "c.workshop_id")
    .select(["c.workshop_id", "w.station_id"])
    .where("c.id", "=", cameraId)
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto("alerts")
    .values({
      id: randomUUID(),
      camera_id: cameraId,
      workshop_id: cam.workshop_id,
      station_id: cam.station_id,
      type,
      confidence: 0.9,
      grade,
      status: "new",
      captured_at: new Date(when),
      evidence_path: null,
      evidence_sha256: null,
      acknowledged_by: null,
      acknowledged_at: null,
      ack_note: null,
      escalated_at: null,
    })
    .execute();
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mf-playback-e2e-"));
  t = await buildTestApp({ env: { DATA_DIR: dataDir, RECORDING_DOWNLOAD_MAX_MINUTES: "30" } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const addr = t.app.server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  const first = async (code: string) =>
    (
      await t.db
        .selectFrom("cameras as c")
        .innerJoin("workshops as w", "w.id", "c.workshop_id")
        .innerJoin("stations as s", "s.id", "w.station_id")
        .select("c.id")
        .where("s.code", "=", code)
        .orderBy("c.id")
        .executeTakeFirstOrThrow()
    ).id;
  own = await first("mingshui");
  other = await first("shuangshan");
  await t.db.updateTable("cameras").set({ recording_policy: "continuous" }).where("id", "=", own).execute();
  const started = Date.now();
  const chunks = await recordSpans(t.db, dataDir, own, [
    { start: new Date(at("08:00:00")), seconds: 40 * 60 },
    { start: new Date(at("09:30:00")), seconds: 30 * 60 },
    { start: new Date(at("13:40:00")), seconds: 50 * 60 },
  ]);
  const mb = chunks.reduce((s, c) => s + c.bytes, 0) / 1e6;
  console.log(
    `[playback] recorded ${chunks.length} chunks, ${mb.toFixed(1)} MB in ${Date.now() - started} ms`,
  );
  await alert(own, at("08:12:30"), 1, "no_hat");
  await alert(own, at("09:47:10"), 2, "no_mask");
  await alert(own, at("11:05:00"), 2, "smoking");
  await alert(own, at("14:20:40"), 3, "no_gloves");
  await alert(own, at("14:55:00"), 1, "no_hat");
});

afterAll(async () => {
  for (const c of consoles) await c.close().catch(() => {});
  await t?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Clicks the timeline bar at wall-clock `ms` (the bar shows `from`…`to`). */
async function clickAt(page: Page, ms: number, from: number, to: number, modifiers: "Shift"[] = []) {
  const box = (await page.locator('[data-testid="timeline-bar"]').boundingBox())!;
  const x = box.x + ((ms - from) / (to - from)) * box.width;
  await expect.poll(() => page.locator(".el-loading-mask").count(), { timeout: 30_000 }).toBe(0);
  await page.mouse.click(x, box.y + box.height / 2, { modifiers });
}

interface Start {
  links: number;
  playlist: number;
  fragment: number;
  playing: number;
  total: number;
  shown: string;
}

/** Plays from `ms` by a click on the whole-day timeline; resolves once the video plays. */
async function playFrom(page: Page, ms: number): Promise<Start> {
  const t0 = Date.now();
  await clickAt(page, ms, at("00:00:00"), at("00:00:00") + 86_400_000);
  const diag = setTimeout(async () => {
    const d = await page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="recording-video"]');
      const p = document.querySelector<HTMLElement>('[data-testid="recording-player"]');
      return {
        html: document.querySelector(".screen")?.outerHTML.slice(0, 600),
        data: { ...p?.dataset },
        v: v && {
          paused: v.paused,
          rs: v.readyState,
          src: v.src,
          err: v.error?.message,
          t: v.currentTime,
          box: v.getBoundingClientRect(),
        },
      };
    });
    console.log("[playback] still waiting:", JSON.stringify(d));
    await page.screenshot({ path: path.join(tmpdir(), "mf-playback-waiting.png") }).catch(() => {});
  }, 20_000);
  await page.waitForFunction(
    () => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="recording-video"]');
      const p = document.querySelector<HTMLElement>('[data-testid="recording-player"]');
      return !!v && !v.paused && v.readyState >= 3 && Number(p?.dataset.playingMs) >= 0;
    },
    undefined,
    { timeout: 60_000 },
  );
  clearTimeout(diag);
  const total = Date.now() - t0;
  const d = await page
    .locator('[data-testid="recording-player"]')
    .evaluate((el) => ({ ...(el as HTMLElement).dataset }));
  const shown = (await page.locator('[data-testid="recordings-clock"]').textContent()) ?? "";
  return {
    links: Number(d.linksMs),
    playlist: Number(d.playlistMs),
    fragment: Number(d.fragmentMs),
    playing: Number(d.playingMs),
    total,
    shown,
  };
}

const seconds = (hms: string) => hms.split(":").reduce((s, x) => s * 60 + Number(x), 0);

describe("录像回放 in Chromium", () => {
  it("a duty officer scrubs the day, plays from arbitrary moments, changes speed, zooms", async () => {
    const c = await signedIn("mingshui.duty");
    const { page } = c;
    await page.goto(`/recordings?cameraId=${own}&day=${DAY}`);
    await expect
      .poll(() => page.locator('[data-testid="timeline-span"]').count(), { timeout: 30_000 })
      .toBe(3);
    await expect.poll(() => page.locator('[data-testid="alert-mark"]').count()).toBe(5);
    await expect.poll(() => page.locator('[data-testid="recordings-alert"]').count()).toBe(5);
    await page.locator('[data-testid="timeline-bar"]').hover({ position: { x: 400, y: 10 } });
    await c.shot(NAME, "1-day");

    const starts: Start[] = [];
    for (const hms of ["09:47:05", "08:31:20", "14:05:44"]) {
      const s = await playFrom(page, at(hms));
      starts.push(s);
      console.log(
        `[playback] start at ${hms}: links ${s.links} ms, playlist ${s.playlist} ms, first segment ${s.fragment} ms, playing ${s.playing} ms (click to playing, measured by the test: ${s.total} ms); clock shows ${s.shown}`,
      );
      // The picture is within a few seconds of the moment clicked (the timeline maps a pixel to ~60 s).
      expect(Math.abs(seconds(s.shown.trim()) - seconds(hms))).toBeLessThan(90);
    }
    const sorted = starts.map((s) => s.playing).sort((a, b) => a - b);
    console.log(`[playback] time to start playback: median ${sorted[1]} ms (of ${sorted.join(", ")})`);
    await page.waitForTimeout(1500); // let a few frames play before the screenshot
    await c.shot(NAME, "2-playing");

    await page.locator('[data-testid="recordings-speed"] label', { hasText: "×4" }).click();
    await expect
      .poll(() =>
        page.locator('[data-testid="recording-video"]').evaluate((v) => (v as HTMLVideoElement).playbackRate),
      )
      .toBe(4);

    // A click in a gap plays from the next recording.
    const gap = await playFrom(page, at("11:00:00"));
    expect(seconds(gap.shown.trim())).toBeGreaterThanOrEqual(seconds("13:40:00"));
    expect(seconds(gap.shown.trim())).toBeLessThan(seconds("13:41:00"));

    await page.locator('[data-testid="recordings-zoom"]').click();
    await expect.poll(() => page.locator('[data-testid="timeline-playhead"]').count()).toBe(1);
    await c.shot(NAME, "3-zoomed");
    expect(c.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it("selects a span on the timeline and downloads it as MP4, audited", async () => {
    const c = await signedIn("mingshui.duty");
    const { page } = c;
    await page.goto(
      `/recordings?cameraId=${own}&at=${encodeURIComponent(new Date(at("09:47:10")).toISOString())}`,
    );
    // From an alert: the hour around it, playing from there.
    await page.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="recording-video"]');
      return !!v && !v.paused && v.readyState >= 3;
    });
    const from = at("09:17:10");
    const to = from + 3_600_000;
    const box = (await page.locator('[data-testid="timeline-bar"]').boundingBox())!;
    const x = (ms: number) => box.x + ((ms - from) / (to - from)) * box.width;
    const y = box.y + box.height / 2;
    await page.keyboard.down("Shift");
    await page.mouse.move(x(at("09:40:00")), y);
    await page.mouse.down();
    await page.mouse.move(x(at("09:42:00")), y, { steps: 5 });
    await page.mouse.move(x(at("09:45:00")), y, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up("Shift");
    await expect
      .poll(() => page.locator('[data-testid="recordings-selection"]').textContent())
      .toMatch(/共 [45] 分/);
    await c.shot(NAME, "4-selection");
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 120_000 }),
      page.locator('[data-testid="recordings-download"]').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      new RegExp(`_${DAY.replaceAll("-", "")}-09[34]\\d{3}_094\\d{3}\\.mp4$`),
    );
    const file = path.join(dataDir, "download.mp4");
    await download.saveAs(file);
    const probe = await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "format=duration",
      "-of",
      "csv=p=0",
      file,
    ]);
    const duration = Number(probe.stdout.trim());
    console.log(`[playback] downloaded ${download.suggestedFilename()}: ${duration.toFixed(1)} s`);
    expect(duration).toBeGreaterThan(200);
    expect(duration).toBeLessThan(320);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "actor_username"])
      .where("action", "in", ["recording.view", "recording.download"])
      .execute();
    expect(audit.filter((a) => a.action === "recording.download")).toEqual([
      { action: "recording.download", actor_username: "mingshui.duty" },
    ]);
    expect(audit.filter((a) => a.action === "recording.view").length).toBeGreaterThanOrEqual(5);
  });

  it("the bureau sees the same day; another station's camera stays hidden from the duty officer", async () => {
    const admin = await signedIn("admin", ADMIN_PASSWORD);
    await admin.page.goto(`/recordings?cameraId=${own}&day=${DAY}`);
    await expect
      .poll(() => admin.page.locator('[data-testid="timeline-span"]').count(), { timeout: 30_000 })
      .toBe(3);
    await playFrom(admin.page, at("14:20:30"));
    await admin.page.waitForTimeout(1000);
    await admin.shot(NAME, "5-bureau");

    const en = await signedIn("mingshui.duty", DEMO_PASSWORD, "en");
    await en.page.evaluate(() => localStorage.setItem("mingfang.locale", "en"));
    await en.page.goto(`/recordings?cameraId=${own}&day=${DAY}`);
    await expect
      .poll(() => en.page.locator('[data-testid="timeline-span"]').count(), { timeout: 30_000 })
      .toBe(3);
    await en.shot(NAME, "6-english");
    expect(await en.page.locator('[data-testid="recordings-policy"]').textContent()).toContain(
      "Recording: continuous",
    );

    const duty = await signedIn("mingshui.duty");
    await duty.page.goto(`/recordings?cameraId=${other}&day=${DAY}`);
    await expect.poll(() => duty.page.locator(".el-alert--error").count(), { timeout: 30_000 }).toBe(1);
    expect(await duty.page.locator('[data-testid="timeline-span"]').count()).toBe(0);
  });
});
