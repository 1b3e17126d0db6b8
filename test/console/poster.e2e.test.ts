/**
 * 一店一码 in a real browser against `mingfang demo`: a station's staff opens a demonstration site's file and
 * sees the QR code (the image on screen, as Chromium draws it, decodes to the public address the card shows,
 * which the API names too), downloads the PDF poster (a PDF arrives, named for the workshop), and a workshop
 * that is not a demonstration site has no card. Screenshots under test-results/console/poster/.
 */
import { readFileSync } from "node:fs";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type DemoProcess, startDemo } from "../support/demo-process.mjs";
import { demoClient } from "./demo-client.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

let demo: DemoProcess;
const { open, apiSession, apiGet, closeAll } = demoClient(() => demo);

interface Workshop {
  id: number;
  name: string;
  demoSite: boolean;
}

// No camera: nothing here plays video.
beforeAll(async () => {
  demo = await startDemo({ cameras: 0, env: { RTMP_PORT: "0" } });
}, 240_000);

afterAll(async () => {
  await closeAll();
  await demo?.stop();
}, 60_000);

describe("一店一码 on the workshop's file", () => {
  it("shows a demonstration site's QR code, which decodes to its public address, and downloads the PDF poster", async () => {
    const cookie = await apiSession("mingshui.staff");
    const sites = await apiGet<{ items: Workshop[] }>(cookie, "/api/workshops?demoSite=true&pageSize=5");
    const site = sites.items[0]!;
    const info = await apiGet<{ publicUrl: string }>(cookie, `/api/workshops/${site.id}/poster`);
    // PUBLIC_BASE_URL unset: the code points at the origin the console (here: the API call) used.
    const origin = new URL(demo.url).origin;
    expect(info.publicUrl).toBe(`${origin}/public/sites/${site.id}`);

    const c = await open("mingshui.staff");
    await c.page.goto(`/workshops/${site.id}`);
    const card = c.page.locator('[data-testid="poster-card"]');
    const img = card.locator('[data-testid="poster-qr"]');
    await img.waitFor();
    await expect
      .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth))
      .toBeGreaterThan(0);
    const shown = await card.locator('[data-testid="poster-url"]').textContent();
    expect(shown).toBe(info.publicUrl);
    const png = PNG.sync.read(await img.screenshot());
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(shown);
    await card.scrollIntoViewIfNeeded();
    await c.shot("poster", "card");

    const [download] = await Promise.all([
      c.page.waitForEvent("download"),
      card.locator('[data-testid="poster-pdf"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`一店一码_${site.name}.pdf`);
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(c.errors).toEqual([]);
  });

  it("has no card on a workshop that is not a demonstration site", async () => {
    const cookie = await apiSession("mingshui.staff");
    const plain = (await apiGet<{ items: Workshop[] }>(cookie, "/api/workshops?demoSite=false&pageSize=5"))
      .items[0]!;
    const c = await open("mingshui.staff");
    await c.page.goto(`/workshops/${plain.id}`);
    await c.page.locator('[data-testid="risk-score"]').waitFor();
    expect(await c.page.locator('[data-testid="poster-card"]').count()).toBe(0);
    expect(c.errors).toEqual([]);
  });
});
