#!/usr/bin/env node
/**
 * Console bench: Chromium's CPU for a 16-tile live wall in the console against 16 bare `<video>` elements
 * played by hls.js on the same streams, in the same run. The ratio is the console's overhead over the
 * player itself (target ≤ 1.2×).
 *
 * The real demo with 16 simulated cameras; the console's wall as the bureau admin (layout 16, the 16 cameras,
 * set as the user's remembered wall); the baseline page at the same origin, each tile fetching its signed
 * URL from the same API. Each variant runs in a fresh Chromium at 1920×1080; after a warm-up in which every
 * video must advance, the CPU time (user + system) of the browser and all its child processes is read from
 * /proc over a window. Variants alternate (baseline, console, baseline, console, …) so that the machine's
 * other load falls on both.
 *
 *   npm run build && node bench/console/wall-cpu.mjs [--rounds 3] [--seconds 20]
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launchChromium } from "../../console/scripts/chromium.mjs";
import { startDemo, waitFor } from "../../test/support/demo-process.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg("--rounds", 3);
const SECONDS = arg("--seconds", 20);
const TILES = 16;
const HLS_JS = createRequire(import.meta.url).resolve("hls.js/dist/hls.min.js");
const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of the Chromium started with `profile` and every process under it. */
function cpuSeconds(profile) {
  const procs = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.push({
        pid: Number(d),
        ppid: Number(f[1]),
        ticks: Number(f[11]) + Number(f[12]),
        cmd: () => readFileSync(`/proc/${d}/cmdline`, "utf8"),
      });
    } catch {
      // gone meanwhile
    }
  }
  const roots = procs.filter((p) => {
    try {
      const c = p.cmd();
      return c.includes(`--user-data-dir=${profile}`) && !c.includes("--type=");
    } catch {
      return false;
    }
  });
  const inTree = new Set(roots.map((r) => r.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs)
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
  }
  return procs.filter((p) => inTree.has(p.pid)).reduce((n, p) => n + p.ticks, 0) / TICK;
}

async function signIn(page, base, user, password) {
  await page.goto(`${base}/login`);
  await page.locator('input[name="username"]').fill(user);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('[data-testid="login-submit"]').click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

/** The bare page: 16 videos, hls.js with its defaults, nothing else. */
async function baseline(page, base, cameraIds) {
  await page.goto(`${base}/healthz`);
  await page.setContent('<!doctype html><body style="margin:0;background:#000"><div id="g"></div></body>');
  await page.addScriptTag({ path: HLS_JS });
  await page.evaluate(async (ids) => {
    const g = document.getElementById("g");
    g.style.cssText = "display:grid;grid-template-columns:repeat(4,1fr);gap:2px;width:100vw;height:100vh";
    for (const id of ids) {
      const v = document.createElement("video");
      v.muted = true;
      v.autoplay = true;
      v.style.cssText = "width:100%;height:100%;object-fit:contain";
      g.appendChild(v);
      const live = await (await fetch(`/api/cameras/${id}/live`)).json();
      const hls = new window.Hls();
      hls.loadSource(live.hls);
      hls.attachMedia(v);
    }
  }, cameraIds);
}

async function consoleWall(page, base, cameraIds) {
  const me = await (await page.request.get(`${base}/api/me`)).json();
  // From a page without the console: an open wall would save its own choice over this one.
  await page.goto(`${base}/healthz`);
  await page.evaluate(
    ([key, wall]) => localStorage.setItem(key, JSON.stringify(wall)),
    [`mingfang.wall.${me.id}`, { layout: 16, tourSeconds: 30, cameras: cameraIds }],
  );
  await page.goto(`${base}/live`);
}

async function measure(variant, demo, cameraIds) {
  const browser = await launchChromium({ viewport: { width: 1920, height: 1080 }, locale: "zh-CN" });
  try {
    const { page } = browser;
    await signIn(page, demo.url, "admin", demo.adminPassword);
    await (variant === "baseline" ? baseline : consoleWall)(page, demo.url, cameraIds);
    const playing = () =>
      page.evaluate(() => [...document.querySelectorAll("video")].filter((v) => v.currentTime > 2).length);
    await waitFor(async () => (await playing()) >= TILES, 90_000, `${variant}: ${TILES} videos playing`, 500);
    const c0 = cpuSeconds(browser.profile);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const cpu = cpuSeconds(browser.profile) - c0;
    const wall = (Date.now() - t0) / 1000;
    const still = await playing();
    return { cpuPercent: (100 * cpu) / wall, playing: still };
  } finally {
    await browser.close();
  }
}

const demo = await startDemo({ cameras: TILES, env: { LOG_LEVEL: "error" } });
try {
  const login = await fetch(`${demo.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: demo.adminPassword }),
  });
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const online = async () => {
    const r = await (await fetch(`${demo.url}/api/cameras/status`, { headers: { cookie } })).json();
    return r.items.filter((s) => s.status === "online").map((s) => s.cameraId);
  };
  const ids = (
    await waitFor(
      async () => ((await online()).length >= TILES ? online() : false),
      180_000,
      "16 cameras online",
      1000,
    )
  ).slice(0, TILES);
  const results = { baseline: [], console: [] };
  for (let r = 0; r < ROUNDS; r++)
    for (const variant of ["baseline", "console"]) {
      const m = await measure(variant, demo, ids);
      results[variant].push(m.cpuPercent);
      process.stderr.write(
        `round ${r + 1}: ${variant} ${m.cpuPercent.toFixed(1)}% CPU, ${m.playing}/${TILES} playing\n`,
      );
    }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const b = mean(results.baseline);
  const c = mean(results.console);
  process.stdout.write(
    [
      `16-tile wall, Chromium CPU over ${SECONDS} s windows, ${ROUNDS} rounds (100% = one core)`,
      `  baseline: 16 <video> + hls.js   ${b.toFixed(1)}%  (${results.baseline.map((x) => x.toFixed(1)).join(", ")})`,
      `  console: the live wall           ${c.toFixed(1)}%  (${results.console.map((x) => x.toFixed(1)).join(", ")})`,
      `  ratio ${(c / b).toFixed(2)}×`,
      "",
    ].join("\n"),
  );
} finally {
  await demo.stop();
}
