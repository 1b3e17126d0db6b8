/**
 * The year-end assessment (年终考核) in a real browser against `mingfang demo`: the bureau opens it from the
 * dashboard and sees the summary of the 18 stations and the district, as the API has it, and a page per
 * station; printed (Chromium's PDF on A4) it has a page for the summary and one per station, without the
 * menu or the header; the 导出Excel link downloads the workbook. A station's duty officer sees its own
 * station and the district, and prints two pages. Screenshots under test-results/console/<test>/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type DemoProcess, startDemo } from "../support/demo-process.mjs";
import { SHOTS } from "./browser.mjs";
import { demoClient } from "./demo-client.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

let demo: DemoProcess;
const { open, apiSession, apiGet, closeAll } = demoClient(() => demo);

interface Figures {
  alerts: { total: number };
  cases: { opened: number };
  targets: Record<string, { achieved: number; target: number }>;
}
interface View {
  year: number;
  district: Figures;
  stations: { stationId: number; stationName: string; figures: Figures }[];
}

/** The pages of a PDF: its /Type /Page objects (not /Pages). */
const pdfPages = (pdf: Buffer) => pdf.toString("latin1").match(/\/Type\s*\/Page(?![a-z])/g)?.length ?? 0;

/** The page printed by Chromium on A4 with its print CSS; the PDF is kept beside the screenshots. */
async function printed(page: Page, testName: string): Promise<Buffer> {
  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ format: "A4", preferCSSPageSize: true });
  const dir = path.join(SHOTS, testName);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "print.pdf"), pdf);
  return pdf;
}

// No simulated camera: nothing here plays video (as the dashboard's browser test).
beforeAll(async () => {
  demo = await startDemo({ cameras: 0, env: { RTMP_PORT: "0" } });
}, 240_000);

afterAll(async () => {
  await closeAll();
  await demo?.stop();
}, 60_000);

describe("the year-end assessment (年终考核)", () => {
  it("the bureau opens it from the dashboard, sees every station as the API has it, prints a page each", async () => {
    const c = await open("admin", demo.adminPassword);
    await c.page.locator('[data-testid="open-assessment"]').click();
    await c.page.waitForURL((u) => u.pathname === "/assessment");
    const rows = c.page.locator('[data-testid="assessment-station-row"]');
    await c.page.locator('[data-testid="assessment-district-row"]').waitFor();
    expect(await rows.count()).toBe(18);
    expect(await c.page.locator('[data-testid="station-sheet"]').count()).toBe(18);

    // The page asks for this year (Beijing time) first.
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    expect(c.answers.some((a) => a.url.endsWith(`/api/assessment/${year}`) && a.status === 200)).toBe(true);
    const truth = await apiGet<View>(
      await apiSession("admin", demo.adminPassword),
      `/api/assessment/${year}`,
    );
    const cells = await rows.first().locator("td").allTextContents();
    const first = truth.stations[0]!;
    expect(cells[0]).toBe(first.stationName);
    expect(cells[1]).toBe(
      `${first.figures.targets.demonstrationWorkshops!.achieved}/${first.figures.targets.demonstrationWorkshops!.target}`,
    );
    const district = await c.page.locator('[data-testid="assessment-district-row"] td').allTextContents();
    expect(district[0]).toBe("全区");
    expect(district[1]).toMatch(/\/126$/);
    expect(district[7]).toBe(String(truth.district.alerts.total));
    await c.shot("assessment-bureau", "screen");

    // The export link points at the workbook of the same year, and it downloads one.
    const href = await c.page.locator('[data-testid="assessment-export"]').getAttribute("href");
    expect(href).toBe(`/api/assessment/${year}/workbook.xlsx`);
    const [download] = await Promise.all([
      c.page.waitForEvent("download"),
      c.page.locator('[data-testid="assessment-export"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`章丘区小作坊视频监管年终考核-${year}.xlsx`);

    // Printed: the menu and the header are gone, each station starts a page of its own.
    const pdf = await printed(c.page, "assessment-bureau");
    expect(await c.page.locator("aside.el-aside").isVisible()).toBe(false);
    expect(await c.page.locator('[data-testid="assessment-print"]').isVisible()).toBe(false);
    await c.shot("assessment-bureau", "print-media");
    // The summary page (or two), then at least a page per station.
    const pages = pdfPages(pdf);
    expect(pages).toBeGreaterThanOrEqual(19);
    expect(pages).toBeLessThanOrEqual(40);
    expect(c.errors).toEqual([]);
  });

  it("a station's duty officer sees its own station beside the district and prints two pages", async () => {
    const c = await open("mingshui.duty");
    await c.page.goto("/assessment");
    await c.page.locator('[data-testid="assessment-district-row"]').waitFor();
    const names = await c.page
      .locator('[data-testid="assessment-station-row"] td:first-child')
      .allTextContents();
    expect(names).toEqual(["明水所"]);
    expect(await c.page.locator('[data-testid="assessment-station"]').count()).toBe(0);
    expect(await c.page.locator('[data-testid="station-sheet"]').count()).toBe(1);
    const pdf = await printed(c.page, "assessment-station");
    expect(pdfPages(pdf)).toBe(2);
    await c.shot("assessment-station", "print-media");
    expect(c.errors).toEqual([]);
  });
});
