// Scratch: screenshots of issue 15's console surfaces against a running demo (not committed).
import { openConsole } from "./browser.mjs";
const base = process.env.BASE ?? "http://127.0.0.1:18080";
const out = "/tmp/shots";
const c = await openConsole(base, { locale: process.env.LOCALE ?? "zh-CN" });
await c.signIn("admin", "Demo-Pass-2026");
const res = await c.page.request.get(`${base}/api/alerts?pageSize=100`);
const body = await res.json();
console.log(Object.keys(body)); const items = body.items ?? body.alerts ?? body.rows ?? body.data ?? [];
console.log("alerts", items.length, [...new Set(items.map((a) => a.type))].join(","));
await c.page.goto("/alerts");
await c.page.locator('[data-testid="alert-table"]').waitFor();
await c.page.waitForTimeout(1500);
await c.page.screenshot({ path: `${out}/alerts.png` });
for (const type of ["no_mask", "camera_covered", "no_hat"]) {
  const a = items.find((x) => x.type === type);
  if (!a) { console.log("no alert of", type); continue; }
  console.log(type, a.id, a.modelVersion, a.model);
  await c.page.goto(`/alerts/${a.id}`);
  await c.page.locator('[data-testid="evidence-image"]').first().waitFor();
  await c.page.waitForTimeout(1500);
  await c.page.screenshot({ path: `${out}/alert-${type}.png`, fullPage: true });
}
await c.page.goto("/cameras");
await c.page.waitForTimeout(2000);
await c.page.screenshot({ path: `${out}/cameras.png` });
console.log("errors", c.errors);
await c.close();
