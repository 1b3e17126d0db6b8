#!/usr/bin/env node
/**
 * The big screen's soak: the real demo (simulated cameras, each made a demonstration site; alert folding off),
 * Chromium at 1920×1080 on /bigscreen signed in as the bureau, the wall turning every --rotate seconds and
 * an alert queued every --interval-ms for --minutes. Every --every seconds it forces a GC in the page (CDP)
 * and prints the JS heap used, DOM nodes, listeners, ticker rows, video elements and the wall's turns;
 * at the end the growth from the first sample (after the warm-up) to the last, and a heap snapshot's split
 * of it (compiled code, DevTools' records of the requests, the page's own objects).
 *
 *   npm run build && node bench/bigscreen/soak.mjs [--minutes 60] [--cameras 5] [--rotate 10]
 *     [--interval-ms 1000] [--every 60] [--no-alerts]
 *
 * `--rotate 600` keeps the wall still (alerts only); `--no-alerts` turns the wall with no alert flowing.
 */
import { parseArgs } from "node:util";
import {
  alertFlow,
  heapBreakdown,
  memorySample,
  openBigScreen,
  simulatedSites,
} from "../../test/console/bigscreen-probe.mjs";
import { startDemo, waitFor } from "../../test/support/demo-process.mjs";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "60" },
    cameras: { type: "string", default: "5" },
    rotate: { type: "string", default: "10" },
    "interval-ms": { type: "string", default: "1000" },
    every: { type: "string", default: "60" },
    // Either part alone, to tell which one a growth comes from.
    "no-alerts": { type: "boolean", default: false },
  },
});
const MINUTES = Number(values.minutes);
const INTERVAL = Number(values["interval-ms"]);
const EVERY = Number(values.every) * 1000;

const demo = await startDemo({
  cameras: Number(values.cameras),
  env: { ALERT_COOLDOWN_MINUTES: "0", LOG_LEVEL: "error" },
});
let c = null;
let flow = null;
try {
  const login = await fetch(`${demo.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: demo.adminPassword }),
  });
  const cookie = login.headers.get("set-cookie").split(";")[0];
  // Every simulated camera's workshop a demonstration site: with more than four the wall turns.
  flow = alertFlow(demo.redisUrl, await simulatedSites(demo.url, cookie));
  c = await openBigScreen(demo.url, {
    user: "admin",
    password: demo.adminPassword,
    rotate: Number(values.rotate),
  });
  await c.page.locator('[data-testid="ws-state"][data-state="live"]').waitFor({ timeout: 60_000 });
  // Warm-up: a full ticker and two turns of the wall.
  await waitFor(
    async () => {
      if (flow.sent < 40) await flow.send();
      const s = await memorySample(c.page, c.cdp);
      return s.rotations >= 2 && s.tickerItems >= 30 && s;
    },
    180_000,
    "the warm-up",
    500,
  );
  const t0 = Date.now();
  const row = (s) =>
    `${((Date.now() - t0) / 60_000).toFixed(1).padStart(6)} min  heap ${s.heapMB.toFixed(2).padStart(7)} MB  nodes ${String(s.nodes).padStart(6)}  listeners ${String(s.listeners).padStart(5)}  ticker ${String(s.tickerItems).padStart(3)}  videos ${s.videos}  turns ${String(s.rotations).padStart(5)}  alerts ${flow.sent}`;
  const firstParts = await heapBreakdown(c.cdp);
  const first = await memorySample(c.page, c.cdp);
  process.stdout.write(`${row(first)}\n`);
  let last = first;
  let next = Date.now() + EVERY;
  const end = t0 + MINUTES * 60_000;
  while (Date.now() < end) {
    if (!values["no-alerts"]) await flow.send();
    if (Date.now() >= next) {
      last = await memorySample(c.page, c.cdp);
      process.stdout.write(`${row(last)}\n`);
      next += EVERY;
    }
    await new Promise((r) => setTimeout(r, INTERVAL));
  }
  last = await memorySample(c.page, c.cdp);
  process.stdout.write(`${row(last)}\n`);
  const lastParts = await heapBreakdown(c.cdp);
  const part = (k) => `${firstParts[k].toFixed(2)} → ${lastParts[k].toFixed(2)} MB`;
  process.stdout.write(
    `heap snapshot (self sizes): compiled code ${part("codeMB")}; DevTools' request records ${part("devtoolsMB")}; the page's objects ${part("otherMB")}\n`,
  );
  const pct = (a, b) => `${(((b - a) / a) * 100).toFixed(1)}%`;
  process.stdout.write(
    `growth over ${MINUTES} min: heap ${(last.heapMB - first.heapMB).toFixed(2)} MB (${pct(first.heapMB, last.heapMB)}), nodes ${last.nodes - first.nodes} (${pct(first.nodes, last.nodes)}), listeners ${last.listeners - first.listeners}; ${c.errors.length} page errors\n`,
  );
  for (const e of c.errors) process.stdout.write(`page error: ${e}\n`);
} finally {
  await c?.close();
  await flow?.close();
  await demo.stop();
}
