/**
 * The dashboard (监管看板), the association activities and the workshop file's plan card in a real browser
 * against `mingfang demo`: the bureau lands on the dashboard and sees the 18 stations of Annex 1 with the
 * four targets and charts that draw; a station's staff records an activity (with a photo) and a
 * demonstration title, and its dashboard shows its one station, counting them, against the district.
 * Screenshots under test-results/console/<test>/.
 */
import { createHash, randomUUID } from "node:crypto";
import { createRedis, redisBlobStore } from "@mingfang/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { alertProducer, makeAlert } from "../support/alert-fixtures.js";
import { type DemoProcess, startDemo, waitFor } from "../support/demo-process.mjs";
import { demoClient } from "./demo-client.js";

const TARGETS = [
  "demonstrationWorkshops",
  "upgradedToEnterprises",
  "videoSupervisionPilots",
  "industryAssociationActivities",
] as const;
/** A 1×1 PNG: the photo the staff uploads. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

let demo: DemoProcess;
const { open, apiSession, apiGet, closeAll } = demoClient(() => demo);

interface Progress {
  achieved: number;
  target: number;
}
type Row = { stationId: number; stationName: string; targets: Record<(typeof TARGETS)[number], Progress> };

/** Drawn pixels (alpha > 0) of every chart's canvas, by chart; an empty canvas has none. */
function drawnPixels(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid^="chart-"]')) {
      const canvas = el.querySelector("canvas");
      if (!canvas?.width || !canvas.height) {
        out[el.dataset.testid!] = 0;
        continue;
      }
      const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      out[el.dataset.testid!] = n;
    }
    return out;
  });
}

/** Every chart drew (at least `min` pixels each): an empty canvas draws none. */
async function chartsDrawn(page: Page, min = 500): Promise<void> {
  await expect
    .poll(
      async () => {
        const drawn = await drawnPixels(page);
        return Object.keys(drawn).length === 4 && Math.min(...Object.values(drawn)) >= min ? "drawn" : drawn;
      },
      { timeout: 30_000 },
    )
    .toBe("drawn");
}

/** An Element Plus field's native input, whether the test id lands on the input or on its wrapper. */
const field = (scope: ReturnType<Page["locator"]>, id: string) =>
  scope.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first();

/** The progress bars' "achieved/target" texts of one table row. */
async function rowTargets(page: Page, rowSelector: string): Promise<string[]> {
  const row = page.locator(".el-table__body tr", { has: page.locator(rowSelector) });
  return Promise.all(
    TARGETS.map(async (k) =>
      ((await row.locator(`[data-testid="target-${k}"] .el-progress__text`).textContent()) ?? "").trim(),
    ),
  );
}

// No simulated camera: nothing here plays video, and the console's other browser test runs its own demo
// with four cameras, ingest and analytics at the same time on the same 2 cores.
beforeAll(async () => {
  demo = await startDemo({ cameras: 0, env: { RTMP_PORT: "0" } });
}, 240_000);

afterAll(async () => {
  await closeAll();
  await demo?.stop();
}, 60_000);

describe("the dashboard (监管看板)", () => {
  it("the bureau lands on it: 18 stations with the four targets, the district's total, and charts that draw", async () => {
    const c = await open("admin", demo.adminPassword);
    expect(new URL(c.page.url()).pathname).toBe("/dashboard");
    const rows = c.page.locator('.el-table__body [data-testid="station-row"]');
    await c.page.locator('[data-testid="district-row"]').waitFor();
    expect(await rows.count()).toBe(18);
    for (const k of TARGETS)
      expect(await c.page.locator(`.el-table__body [data-testid="target-${k}"]`).count()).toBe(19);

    // What the table says is what the API says, for the first station and the district.
    const truth = await apiGet<{ stations: Row[]; summary: { targets: Row["targets"] } }>(
      await apiSession("admin", demo.adminPassword),
      "/api/dashboard",
    );
    expect(truth.stations).toHaveLength(18);
    const first = truth.stations[0]!;
    expect(await rowTargets(c.page, `[data-station-id="${first.stationId}"]`)).toEqual(
      TARGETS.map((k) => `${first.targets[k].achieved}/${first.targets[k].target}`),
    );
    const district = await rowTargets(c.page, '[data-testid="district-row"]');
    expect(district).toEqual(
      TARGETS.map((k) => `${truth.summary.targets[k].achieved}/${truth.summary.targets[k].target}`),
    );
    expect(district[0]).toMatch(/\/126$/);

    await chartsDrawn(c.page);
    await c.shot("dashboard", "bureau");

    // Picking a station charts it against the district.
    await c.page.locator(`[data-station-id="${first.stationId}"]`).click();
    await c.page.locator('[data-testid="figure-alerts"] .fc-second').waitFor();
    expect(await c.page.locator('[data-testid="figure-alerts"] .fc-name').allTextContents()).toEqual([
      first.stationName,
      "全区",
    ]);
    expect(c.errors).toEqual([]);
  });
});

describe("the dashboard follows the stream", () => {
  it("an alert raised while it is open reloads the figures, without a navigation", async () => {
    const c = await open("admin", demo.adminPassword);
    await c.page.locator('[data-testid="district-row"]').waitFor();
    await c.page.locator('[data-testid="ws-state"][data-state="live"]').waitFor();
    const answers = () => c.answers.filter((a) => a.url.includes("/api/dashboard"));
    const loaded = answers().length;

    // The analytics' way in: a job on the alerts queue for a mingshui camera, with a real JPEG.
    const admin = await apiSession("admin", demo.adminPassword);
    const jpeg = Buffer.from(
      await (await fetch(`${demo.url}/api/cameras/1/snapshot`, { headers: { cookie: admin } })).arrayBuffer(),
    );
    const redis = createRedis(demo.redisUrl);
    try {
      const producer = alertProducer(redis);
      await producer.add(
        await makeAlert(redis, 1, {
          id: randomUUID(),
          type: "smoking",
          evidenceKey: await redisBlobStore(redis).put("evidence", jpeg),
          evidenceSha256: createHash("sha256").update(jpeg).digest("hex"),
        }),
      );
      await producer.close();
    } finally {
      redis.disconnect();
    }
    type View = { summary: { alerts: { total: number; byType: { type: string }[] } } };
    const fresh = await waitFor(
      () =>
        answers()
          .slice(loaded)
          .map((a) => a.body as View)
          .find((v) => v.summary.alerts.byType.some((b) => b.type === "smoking")),
      60_000,
      "a dashboard reload that counts the smoking alert",
    );
    await expect
      .poll(() => c.page.locator('[data-testid="figure-alerts"] .fc-value').first().textContent())
      .toBe(String(fresh.summary.alerts.total));
    expect(new URL(c.page.url()).pathname).toBe("/dashboard");
    expect(c.errors).toEqual([]);
  });
});

describe("a station's staff records the plan's progress", () => {
  const title = `豆制品小作坊食品安全培训 ${Date.now()}`;
  /** The station's row before the staff records anything. */
  let before: Row;
  let staff = "";
  beforeAll(async () => {
    staff = await apiSession("mingshui.staff");
    const me = await apiGet<{ stationId: number }>(staff, "/api/me");
    const view = await apiGet<{ stations: Row[] }>(staff, "/api/dashboard");
    expect(view.stations.map((s) => s.stationId)).toEqual([me.stationId]);
    before = view.stations[0]!;
  });

  it("creates an activity in the dialog, with a photo, and it appears in the list", async () => {
    const c = await open("mingshui.staff");
    await c.page.goto("/activities");
    await c.page.locator('[data-testid="activity-table"]').waitFor();
    await c.page.locator('[data-testid="activity-create"]').click();
    const dialog = c.page.locator('[data-testid="activity-dialog"]');
    await dialog.waitFor();
    await field(dialog, "activity-title").fill(title);
    await field(dialog, "activity-participants").fill("32");
    await dialog.locator('[data-testid="activity-confirm"]').click();
    const row = c.page.locator('[data-testid="activity-row"]', { hasText: title });
    await row.waitFor();
    await dialog.waitFor({ state: "hidden" });

    const tr = c.page.locator(".el-table__body tr", { has: row });
    await tr.locator('[data-testid="activity-photo-upload"]').setInputFiles({
      name: "training.png",
      mimeType: "image/png",
      buffer: PNG,
    });
    const thumb = tr.locator('[data-testid="activity-photo"] img');
    await thumb.waitFor();
    await expect.poll(() => thumb.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(1);
    await c.shot("activities", "created");
    expect(c.errors).toEqual([]);
  });

  it("sets a demonstration title on a workshop's file; its dashboard shows its one station, counting both", async () => {
    const workshops = await apiGet<{ items: { id: number }[] }>(staff, "/api/workshops?pageSize=100");
    let plain: number | undefined;
    for (const w of workshops.items) {
      const plan = await apiGet<{ demonstration: unknown }>(staff, `/api/workshops/${w.id}/plan`);
      if (!plan.demonstration) {
        plain = w.id;
        break;
      }
    }
    expect(plain).toBeDefined();

    const c = await open("mingshui.staff");
    await c.page.goto(`/workshops/${plain}`);
    await c.page.locator('[data-testid="plan-set-demonstration"]').click();
    const dialog = c.page.locator('[data-testid="plan-dialog"]');
    await dialog.waitFor();
    await field(dialog, "plan-day").fill("2022-09-30");
    await field(dialog, "plan-day").press("Enter");
    await field(dialog, "plan-text").fill("章市监管字〔2022〕15号");
    await dialog.locator('[data-testid="plan-confirm"]').click();
    await c.page
      .locator('[data-testid="plan-demonstration"]', { hasText: "章市监管字〔2022〕15号" })
      .waitFor();
    expect(await c.page.locator('[data-testid="plan-demonstration"]').textContent()).toContain("示范小作坊");
    await c.shot("plan-card", "demonstration-set");

    await c.page.goto("/dashboard");
    await c.page.locator('[data-testid="district-row"]').waitFor();
    expect(await c.page.locator('.el-table__body [data-testid="station-row"]').count()).toBe(1);
    const mine = before.targets;
    const shown = await rowTargets(c.page, '[data-testid="station-row"]');
    expect(shown[0]).toBe(
      `${mine.demonstrationWorkshops.achieved + 1}/${mine.demonstrationWorkshops.target}`,
    );
    expect(shown[3]).toBe(
      `${mine.industryAssociationActivities.achieved + 1}/${mine.industryAssociationActivities.target}`,
    );
    // Its station against the district: two series in the figures and the charts' legends.
    expect(await c.page.locator('[data-testid="figure-alerts"] .fc-name').count()).toBe(2);
    await chartsDrawn(c.page);
    await c.shot("dashboard", "station");
    expect(c.errors).toEqual([]);
  });

  it("a duty officer sees the dashboard of its station, and not the activities page", async () => {
    const c = await open("mingshui.duty");
    await c.page.goto("/dashboard");
    await c.page.locator('[data-testid="district-row"]').waitFor();
    expect(await c.page.locator('.el-table__body [data-testid="station-row"]').count()).toBe(1);
    expect(await c.page.locator(".el-menu").textContent()).not.toContain("协会活动");
    await c.page.goto("/activities");
    await c.page.waitForURL((u) => u.pathname === "/live");
    expect(c.errors).toEqual([]);
  });
});
