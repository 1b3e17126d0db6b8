/**
 * A privacy-masked public stream in Chromium: the demo's camera is made public on a demonstration site and
 * a mask drawn over the middle of the picture in the console's zone editor; the console (signed in) plays
 * the private stream on the live wall, and the site's public page (`/public/sites/:id`, signed out, as a
 * citizen opens it from the door's QR code) plays the public stream; each video is drawn to a canvas and the
 * fine detail inside the mask compared: blurred in the public stream only, alike outside it.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type DemoProcess, startDemo, waitFor } from "../support/demo-process.mjs";
import { demoClient } from "./demo-client.js";

vi.setConfig({ testTimeout: 480_000, hookTimeout: 300_000 });

/** The mask, and the regions compared (normalised x0, y0, x1, y1): inside it, and outside it. */
const MASK = [
  [0.25, 0.3],
  [0.75, 0.3],
  [0.75, 0.8],
  [0.25, 0.8],
];
const INSIDE = [0.3, 0.36, 0.7, 0.74];
const OUTSIDE = [0.0, 0.0, 1.0, 0.22];

let demo: DemoProcess;
const { open, openSignedOut, apiSession, apiGet, closeAll } = demoClient(() => demo);

interface Detail {
  inside: number;
  outside: number;
  width: number;
}

/**
 * Waits until the video plays, draws its current frame to a canvas and returns the mean absolute
 * difference between neighbouring pixels (luma) in each region: the fine detail a blur removes.
 */
async function detailOf(page: Page, selector: string): Promise<Detail> {
  try {
    await page.waitForFunction(
      (sel) => {
        const v = document.querySelector(sel) as HTMLVideoElement | null;
        return !!v && v.readyState >= 2 && v.currentTime > 0.5 && v.videoWidth > 0;
      },
      selector,
      { timeout: 150_000, polling: 250 },
    );
  } catch (err) {
    // Say what the video was doing (a timeout alone was all a loaded full run left to go on).
    const state = await page.evaluate((sel) => {
      const v = document.querySelector(sel) as HTMLVideoElement | null;
      if (!v) return "no video element";
      const { readyState, networkState, currentTime, videoWidth, paused } = v;
      return JSON.stringify({
        readyState,
        networkState,
        currentTime,
        videoWidth,
        paused,
        error: v.error?.message,
      });
    }, selector);
    throw new Error(`${selector} did not play: ${state}; ${(err as Error).message}`);
  }
  return page.evaluate(
    ({ sel, inside, outside }) => {
      const v = document.querySelector(sel) as HTMLVideoElement;
      const c = document.createElement("canvas");
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      const g = c.getContext("2d", { willReadFrequently: true })!;
      g.drawImage(v, 0, 0);
      const img = g.getImageData(0, 0, c.width, c.height);
      const luma = (x: number, y: number) => {
        const i = (y * c.width + x) * 4;
        return 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
      };
      const detail = ([x0, y0, x1, y1]: number[]) => {
        let sum = 0;
        let n = 0;
        const [a, b, e, f] = [x0! * c.width, y0! * c.height, x1! * c.width - 1, y1! * c.height - 1].map(
          Math.floor,
        );
        for (let y = b!; y < f!; y++)
          for (let x = a!; x < e!; x++) {
            const p = luma(x, y);
            sum += Math.abs(p - luma(x + 1, y)) + Math.abs(p - luma(x, y + 1));
            n += 2;
          }
        return sum / n;
      };
      return { inside: detail(inside), outside: detail(outside), width: c.width };
    },
    { sel: selector, inside: INSIDE, outside: OUTSIDE },
  );
}

beforeAll(async () => {
  demo = await startDemo({ cameras: 1 });
});

afterAll(async () => {
  await closeAll();
  await demo?.stop();
});

describe("privacy masks in the browser", () => {
  it("blurs the mask's region in the public stream only", async () => {
    const admin = await apiSession("admin", demo.adminPassword);
    // The demo's camera: the one its ingest reports online.
    const camId = await waitFor(
      async () => {
        const s = await apiGet<{ items: { cameraId: number; status: string }[] }>(
          admin,
          "/api/cameras/status",
        );
        return s.items.find((i) => i.status === "online")?.cameraId;
      },
      180_000,
      "the demo's camera online",
      1000,
    );
    const cam = await apiGet<{ workshopId: number }>(admin, `/api/cameras/${camId}`);
    const patch = async (url: string, body: unknown) => {
      const r = await fetch(`${demo.url}${url}`, {
        method: "PATCH",
        headers: { cookie: admin, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(r.status, url).toBe(200);
    };
    await patch(`/api/workshops/${cam.workshopId}`, { demoSite: true });
    await patch(`/api/cameras/${camId}`, { public: true });

    // The mask, drawn in the zone editor: four clicks on the canvas, finish, save.
    const priv = await open("admin", demo.adminPassword);
    await priv.page.goto(`/cameras/${camId}/zones`);
    await priv.page.getByTestId("mask-draw").click();
    // The snapshot sets the canvas's aspect ratio: measure the canvas once it is shown.
    await priv.page.waitForFunction(
      () => {
        const img = document.querySelector(".stage img.bg") as HTMLImageElement | null;
        return !!img && img.complete && img.naturalWidth > 0;
      },
      undefined,
      { timeout: 60_000 },
    );
    const canvas = priv.page.getByTestId("zone-canvas");
    const box = (await canvas.boundingBox())!;
    for (const [x, y] of MASK)
      await canvas.click({ position: { x: x! * box.width, y: y! * box.height }, force: true });
    await priv.page.getByTestId("zone-finish").click();
    await expect.poll(() => priv.page.getByTestId("mask-item").count()).toBe(1);
    await expect.poll(() => priv.page.getByTestId("mask-shape").count()).toBe(1);
    const saved = priv.page.waitForResponse(
      (r) => r.url().endsWith(`/api/cameras/${camId}`) && r.request().method() === "PATCH",
    );
    await priv.page.getByTestId("zones-save").click();
    expect((await saved).status()).toBe(200);
    const masks = (await apiGet<{ privacyMasks: number[][][] }>(admin, `/api/cameras/${camId}`)).privacyMasks;
    expect(masks).toHaveLength(1);
    masks[0]!.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(MASK[i]![0]!, 1);
      expect(y).toBeCloseTo(MASK[i]![1]!, 1);
    });
    const publicPlaylist = `/public/hls/${camId}/index.m3u8`;
    await waitFor(
      async () => {
        const r = await fetch(`${demo.url}${publicPlaylist}`);
        return r.status === 200 && (await r.text()).split("mseg-").length > 3;
      },
      120_000,
      "the masked public playlist",
      1000,
    );

    // Private: the console's live wall, signed in.
    await priv.page.goto("/live");
    const privDetail = await detailOf(priv.page, `[data-testid="tile"][data-camera-id="${camId}"] video`);

    // Public: the site's public page as a citizen opens it from the door's QR code, signed out; the
    // masked camera's tab chosen when the site has several public cameras.
    const pub = await openSignedOut();
    await pub.page.goto(`/public/sites/${cam.workshopId}`);
    const tab = pub.page.locator(`.cam-tab[data-camera="${camId}"]`);
    await tab.waitFor({ timeout: 30_000 });
    if ((await tab.getAttribute("aria-pressed")) !== "true") await tab.click();
    const pubDetail = await detailOf(pub.page, '[data-testid="public-video"]');
    await pub.shot("masks", "public-stream");
    await priv.shot("masks", "private-wall");

    // The same picture size; the private region has detail to lose.
    expect(pubDetail.width).toBe(privDetail.width);
    expect(privDetail.inside).toBeGreaterThan(1.5);
    // Inside the mask: the public frame keeps a fraction of the private frame's detail.
    expect(pubDetail.inside).toBeLessThan(privDetail.inside * 0.5);
    // Outside it: alike (re-encoded, not blurred).
    expect(pubDetail.outside).toBeGreaterThan(privDetail.outside * 0.6);
    // The public side never got the private playlist: its segments are the masked output's.
    const pl = await (await fetch(`${demo.url}${publicPlaylist}`)).text();
    expect(pl).not.toMatch(/^seg-/m);
  });
});
