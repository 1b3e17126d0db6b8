// Scratch: rules panel and camera dialog screenshots against a running demo (not committed).
import { openConsole } from "./browser.mjs";
const base = process.env.BASE ?? "http://127.0.0.1:18380";
const out = "/tmp/shots";
for (const locale of ["zh-CN", "en"]) {
  const c = await openConsole(base, { locale, size: { width: 1366, height: 1400 } });
  await c.signIn("admin", "Demo-Pass-2026");
  if (locale === "en") { await c.page.evaluate(() => localStorage.setItem("mingfang.locale", "en")); }
  await c.page.goto("/cameras/1/zones");
  await c.page.waitForTimeout(4000);
  await c.page.screenshot({ path: `${out}/rules-${locale}.png`, fullPage: true });
  await c.page.goto("/cameras");
  await c.page.waitForTimeout(2500);
  const edit = c.page.locator('[data-testid="camera-edit"]').first();
  if (await edit.count()) { await edit.click(); await c.page.waitForTimeout(1500); await c.page.screenshot({ path: `${out}/camera-edit-${locale}.png` }); }
  console.log(locale, "errors", c.errors);
  await c.close();
}
