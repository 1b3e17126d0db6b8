/**
 * What the big screen's browser test and its soak bench share: the big screen opened in Chromium at a
 * given size, alerts put on the demo's alerts queue as the analytics does (a steady flow), and a sample of
 * the page's memory after a forced GC (CDP: `HeapProfiler.collectGarbage`, `Performance.getMetrics`) with
 * what the page holds (ticker rows, DOM nodes, video elements, the wall's turns).
 */
import { createHash, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { QUEUE_PREFIX, QUEUES, redisBlobStore } from "../../services/core/dist/index.js";
import { openConsole } from "./browser.mjs";

export { unexpectedErrors } from "./browser.mjs";

/** Violation types the flow cycles through (with the camera, so that few alerts fold). */
const TYPES = ["no_hat", "no_gloves", "no_mask", "unclean_area", "smoking", "phone_use", "uncovered_bin"];

/**
 * The big screen signed in as `user`, at `size`, with the wall turning every `rotate` seconds.
 * @param {string} url
 * @param {{ user: string, password: string, rotate?: number, size?: { width: number, height: number } }} o
 */
export async function openBigScreen(url, o) {
  const c = await openConsole(url, { size: o.size ?? { width: 1920, height: 1080 } });
  await c.signIn(o.user, o.password);
  await c.page.goto(`/bigscreen${o.rotate ? `?rotate=${o.rotate}` : ""}`);
  await c.page.locator('[data-testid="bigscreen"]').waitFor();
  const cdp = await c.context.newCDPSession(c.page);
  await cdp.send("Performance.enable");
  return { ...c, cdp };
}

/**
 * After two forced GCs: the JS heap used, DOM nodes, event listeners, and what the page shows.
 * @param {import("playwright-core").Page} page
 * @param {import("playwright-core").CDPSession} cdp
 */
/**
 * The demo's simulated cameras (the enabled ones) made demonstration sites, so that the wall has more
 * cameras than tiles and turns; returns their ids.
 * @param {string} url
 * @param {string} cookie an admin session
 */
export async function simulatedSites(url, cookie) {
  const r = await fetch(`${url}/api/cameras?pageSize=200`, { headers: { cookie } });
  const cams = (await r.json()).items.filter((c) => c.enabled);
  for (const w of new Set(cams.map((c) => c.workshopId))) {
    const p = await fetch(`${url}/api/workshops/${w}`, {
      method: "PATCH",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ demoSite: true }),
    });
    if (p.status !== 200) throw new Error(`PATCH /api/workshops/${w}: ${p.status} ${await p.text()}`);
  }
  return cams.map((c) => c.id);
}

export async function memorySample(page, cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.collectGarbage");
  const { metrics } = await cdp.send("Performance.getMetrics");
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const shown = await page.evaluate(() => ({
    tickerItems: document.querySelectorAll('[data-testid="ticker-item"]').length,
    videos: document.querySelectorAll("video").length,
    canvases: document.querySelectorAll("canvas").length,
    rotations: Number(
      document.querySelector('[data-testid="video-wall"]')?.getAttribute("data-rotations") ?? 0,
    ),
  }));
  return {
    heapMB: m.JSHeapUsedSize / 2 ** 20,
    nodes: m.Nodes,
    listeners: m.JSEventListeners,
    ...shown,
  };
}

/**
 * A flow of alerts on the demo's queue: `send()` queues one more, on `cameraIds` in turn (each camera
 * through the types).
 * @param {string} redisUrl
 * @param {readonly number[]} cameraIds
 */
export function alertFlow(redisUrl, cameraIds) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.alerts, { connection: redis, prefix: QUEUE_PREFIX });
  const blobs = redisBlobStore(redis);
  let n = 0;
  return {
    /** @returns {Promise<string>} the alert's id */
    async send() {
      const i = n++;
      const id = randomUUID();
      const jpeg = Buffer.concat([
        Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
        Buffer.from(id),
        Buffer.from([0xff, 0xd9]),
      ]);
      const job = {
        id,
        cameraId: cameraIds[i % cameraIds.length],
        type: TYPES[Math.floor(i / cameraIds.length) % TYPES.length],
        confidence: 0.9,
        boxes: [{ x: 0.1, y: 0.2, w: 0.2, h: 0.3, label: "head", score: 0.9 }],
        capturedAt: new Date().toISOString(),
        evidenceKey: await blobs.put("evidence", jpeg),
        evidenceSha256: createHash("sha256").update(jpeg).digest("hex"),
        model: "bigscreen-soak",
      };
      await queue.add("alert", job, { jobId: id, attempts: 5 });
      return id;
    },
    get sent() {
      return n;
    },
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

/**
 * A heap snapshot after a forced GC, its self sizes in MB by kind: V8's compiled code (grows as the JIT
 * warms up), DevTools' own records of the page's requests (kept because the test driver has the Network
 * domain on: one per HLS request; a wall display without DevTools has none), and everything else — the
 * page's objects, where a leak of the page would show.
 * @param {import("playwright-core").CDPSession} cdp
 */
export async function heapBreakdown(cdp) {
  const chunks = [];
  const on = (e) => chunks.push(e.chunk);
  cdp.on("HeapProfiler.addHeapSnapshotChunk", on);
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  cdp.off("HeapProfiler.addHeapSnapshotChunk", on);
  const snap = JSON.parse(chunks.join(""));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [TYPE, NAME, SIZE] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const out = { codeMB: 0, devtoolsMB: 0, otherMB: 0 };
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const size = snap.nodes[i + SIZE] / 2 ** 20;
    const name = snap.strings[snap.nodes[i + NAME]];
    if (types[snap.nodes[i + TYPE]] === "code") out.codeMB += size;
    else if (name.startsWith("blink::NetworkResourcesData") || name.startsWith("blink::XHRReplayData"))
      out.devtoolsMB += size;
    else out.otherMB += size;
  }
  return out;
}
