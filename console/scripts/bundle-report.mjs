#!/usr/bin/env node
/**
 * What the browser downloads before a page can paint, from the build's manifest (dist/.vite/manifest.json):
 * the entry plus the page's lazy chunk and the layout, with everything they import statically, gzip-compressed.
 * Lazily imported players and charts (hls.js, mpegts.js, ECharts) are not part of a first paint.
 *
 *   node console/scripts/bundle-report.mjs [--json] [--budget-kb 400]
 *
 * Run by `npm run build -w console`; exits 1 when the live wall's first paint passes the budget.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist");

/** Each page: its entry (the console's index.html, or the public pages' public.html) and its chunks. */
export const PAGES = {
  "sign-in": ["src/views/login/LoginView.vue"],
  "live wall": ["src/layouts/AppLayout.vue", "src/views/live/LiveWallView.vue"],
  "alert centre": ["src/layouts/AppLayout.vue", "src/views/alerts/AlertCenterView.vue"],
};
/** The public pages have an entry of their own (plain DOM); hls.js comes on top only with a video. */
const PUBLIC_PAGES = { "public pages": [] };
const PUBLIC_BUDGET_KB = 30;

function closure(manifest, keys) {
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    const entry = manifest[key];
    if (!entry) throw new Error(`not in the build manifest: ${key}`);
    seen.add(key);
    for (const dep of entry.imports ?? []) visit(dep);
  };
  for (const k of keys) visit(k);
  return [...seen].map((k) => manifest[k]);
}

export function firstPaint(dist = DIST) {
  const manifest = JSON.parse(readFileSync(path.join(dist, ".vite", "manifest.json"), "utf8"));
  const out = {};
  const pages = [
    ...Object.entries(PAGES).map(([page, keys]) => [page, ["index.html", ...keys]]),
    ...Object.entries(PUBLIC_PAGES).map(([page, keys]) => [page, ["public.html", ...keys]]),
  ];
  for (const [page, keys] of pages) {
    const chunks = closure(manifest, keys);
    const files = new Set(chunks.map((c) => c.file));
    const css = new Set(chunks.flatMap((c) => c.css ?? []));
    const gz = (f) => gzipSync(readFileSync(path.join(dist, f)), { level: 9 }).length;
    const js = [...files].reduce((n, f) => n + gz(f), 0);
    const styles = [...css].reduce((n, f) => n + gz(f), 0);
    out[page] = {
      jsGzipKB: +(js / 1024).toFixed(1),
      cssGzipKB: +(styles / 1024).toFixed(1),
      files: files.size,
    };
  }
  return out;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const budget = Number(args[args.indexOf("--budget-kb") + 1] || 400);
  const report = firstPaint();
  if (args.includes("--json")) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write("first paint (gzip): page · JS · CSS\n");
    for (const [page, r] of Object.entries(report))
      process.stdout.write(
        `  ${page.padEnd(14)} ${String(r.jsGzipKB).padStart(7)} KB JS ${String(r.cssGzipKB).padStart(6)} KB CSS (${r.files} files)\n`,
      );
  }
  const pub = report["public pages"];
  if (pub.jsGzipKB > PUBLIC_BUDGET_KB) {
    process.stderr.write(`the public pages' JS is ${pub.jsGzipKB} KB (gzip), over ${PUBLIC_BUDGET_KB} KB\n`);
    process.exit(1);
  }
  const live = report["live wall"];
  if (live.jsGzipKB > budget) {
    process.stderr.write(
      `the live wall's first paint is ${live.jsGzipKB} KB of JS (gzip), over the ${budget} KB budget\n`,
    );
    process.exit(1);
  }
}
