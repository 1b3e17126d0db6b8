#!/usr/bin/env node
/**
 * Console bench: how long from an alert put on the `alerts` queue (as the analytics puts it) to its row in
 * the alert centre's DOM, with several consoles open, against the platform's own delivery of the same alert
 * to the same pages (the `/ws` message arriving in each page) in the same run. The ratio is the console's
 * share: parsing, the store, Vue's render.
 *
 * The real demo (no simulated cameras: nothing else loads the machine; folding off, so that every alert is
 * a new row), N Chromium pages signed in as mingshui.duty on /alerts; alerts at a steady rate on mingshui's
 * cameras. Each page records, with its own clock (the machine's), when the `/ws` event and when the row
 * appeared.
 *
 *   npm run build && node bench/console/alert-latency.mjs [--consoles 5] [--alerts 60] [--interval-ms 500]
 */
import { createHash, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { QUEUE_PREFIX, QUEUES, redisBlobStore } from "../../services/core/dist/index.js";
import { openConsole } from "../../test/console/browser.mjs";
import { startDemo, waitFor } from "../../test/support/demo-process.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONSOLES = arg("--consoles", 5);
const ALERTS = arg("--alerts", 60);
const INTERVAL = arg("--interval-ms", 500);

/** Runs in each page before the console: stamps each alert's `/ws` arrival and its row's appearance. */
function probe() {
  window.__ws = {};
  window.__dom = {};
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (ev) => {
        const now = Date.now();
        const m = /"kind":"alert\.created".*?"id":"([0-9a-f-]{36})"/.exec(String(ev.data));
        if (m && !window.__ws[m[1]]) window.__ws[m[1]] = now;
      });
    }
  };
  // The table sets each row's data-alert-id after rendering it: watch insertions and that attribute.
  const stamp = (el, now) => {
    const id = el.getAttribute("data-alert-id");
    if (id && !window.__dom[id]) window.__dom[id] = now;
  };
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) {
      if (r.type === "attributes") stamp(r.target, now);
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        if (n.matches("[data-alert-id]")) stamp(n, now);
        for (const row of n.querySelectorAll("[data-alert-id]")) stamp(row, now);
      }
    }
  }).observe(document, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["data-alert-id"],
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** An alert job as the analytics queues it: the evidence JPEG is a blob the job refers to. */
async function job(cameraId, type) {
  const id = randomUUID();
  const jpeg = Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    Buffer.from(id),
    Buffer.from([0xff, 0xd9]),
  ]);
  return {
    id,
    cameraId,
    type,
    confidence: 0.9,
    boxes: [{ x: 0.1, y: 0.2, w: 0.2, h: 0.3, label: "head", score: 0.9 }],
    capturedAt: new Date().toISOString(),
    evidenceKey: await redisBlobStore(redis).put("evidence", jpeg),
    evidenceSha256: createHash("sha256").update(jpeg).digest("hex"),
    model: "bench",
  };
}

const demo = await startDemo({ cameras: 0, env: { ALERT_COOLDOWN_MINUTES: "0", LOG_LEVEL: "error" } });
const pages = [];
const redis = new Redis(demo.redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue(QUEUES.alerts, { connection: redis, prefix: QUEUE_PREFIX });
try {
  for (let i = 0; i < CONSOLES; i++) {
    const c = await openConsole(demo.url);
    await c.page.addInitScript(probe);
    await c.signIn("mingshui.duty", "mingfang-demo");
    await c.page.goto("/alerts");
    await c.page.locator('[data-testid="alert-table"]').waitFor();
    await c.page.locator('[data-testid="ws-state"][data-state="live"]').waitFor();
    pages.push(c);
    process.stderr.write(`console ${i + 1}/${CONSOLES} open\n`);
  }
  const sent = new Map();
  for (let i = 0; i < ALERTS; i++) {
    const j = await job(1 + (i % 3), ["no_hat", "no_gloves", "unclean_area"][i % 3]);
    sent.set(j.id, Date.now());
    await queue.add("alert", j, { jobId: j.id, attempts: 5 });
    if ((i + 1) % 10 === 0) process.stderr.write(`${i + 1}/${ALERTS} alerts sent\n`);
    await new Promise((r) => setTimeout(r, INTERVAL));
  }
  const ids = [...sent.keys()];
  const seen = async (c) => c.page.evaluate((list) => list.filter((id) => window.__dom[id]).length, ids);
  await waitFor(
    async () => (await Promise.all(pages.map(seen))).every((n) => n === ids.length),
    120_000,
    "every row in every console",
    500,
  );
  const ws = [];
  const dom = [];
  for (const c of pages) {
    const t = await c.page.evaluate(() => ({ ws: window.__ws, dom: window.__dom }));
    for (const id of ids) {
      ws.push(t.ws[id] - sent.get(id));
      dom.push(t.dom[id] - sent.get(id));
    }
  }
  const row = (name, xs) =>
    `  ${name.padEnd(34)} p50 ${String(pct(xs, 50)).padStart(5)} ms   p99 ${String(pct(xs, 99)).padStart(5)} ms   max ${String(Math.max(...xs)).padStart(5)} ms`;
  process.stdout.write(
    [
      `alert latency, ${CONSOLES} consoles, ${ALERTS} alerts every ${INTERVAL} ms (queue add → …)`,
      row("baseline: /ws message in the page", ws),
      row("console: row in the DOM", dom),
      `  ratio p50 ${(pct(dom, 50) / Math.max(1, pct(ws, 50))).toFixed(2)}×   p99 ${(pct(dom, 99) / Math.max(1, pct(ws, 99))).toFixed(2)}×`,
      "",
    ].join("\n"),
  );
} finally {
  for (const c of pages) await c.close();
  await queue.close();
  redis.disconnect();
  await demo.stop();
}
