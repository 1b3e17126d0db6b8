/**
 * 导出案卷 in a real browser against `mingfang demo`: a duty officer opens a case, the button's tooltip says
 * what the archive holds, a click downloads the ZIP (named for the case), and that file verifies with
 * `mingfang verify-archive`'s check. Also in English. Screenshots under test-results/console/case-archive/.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { verifyArchive } from "../../services/cli/src/verify-archive.js";
import { type DemoProcess, startDemo } from "../support/demo-process.mjs";
import { demoClient } from "./demo-client.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

let demo: DemoProcess;
const { open, apiSession, apiGet, closeAll } = demoClient(() => demo);
let caseId: string;
let code: string;

// No camera: the case is opened by hand, with a note and a photo.
beforeAll(async () => {
  demo = await startDemo({ cameras: 0, env: { RTMP_PORT: "0" } });
  const cookie = await apiSession("mingshui.duty");
  const ws = await apiGet<{ items: { id: number }[] }>(cookie, "/api/workshops?pageSize=1");
  const r = await fetch(`${demo.url}/api/cases`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({
      workshopId: ws.items[0]!.id,
      title: "群众举报：操作间未戴帽",
      description: "电话举报",
    }),
  });
  expect(r.status).toBe(201);
  ({ id: caseId, code } = (await r.json()) as { id: string; code: string });
}, 240_000);

afterAll(async () => {
  await closeAll();
  await demo?.stop();
}, 60_000);

describe("导出案卷 on the case's page", () => {
  it("explains the archive in a tooltip and downloads a ZIP that verifies", async () => {
    const c = await open("mingshui.duty");
    await c.page.goto(`/cases/${caseId}`);
    const button = c.page.locator('[data-testid="case-export"]');
    await button.waitFor();
    expect((await button.textContent())?.trim()).toBe("导出案卷");
    await button.hover();
    const tip = c.page.locator(".cd-export-tip");
    await tip.waitFor({ state: "visible" });
    expect(await tip.textContent()).toContain("SHA-256");
    await c.shot("case-archive", "tooltip-zh");
    const [download] = await Promise.all([c.page.waitForEvent("download"), button.click()]);
    expect(download.suggestedFilename()).toBe(`案卷-${code}.zip`);
    const file = (await download.path())!;
    const report = await verifyArchive(file);
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.lines.map((l) => l.path).sort()).toEqual(["case.html", "manifest.json"]);
    expect(c.errors).toEqual([]);
  });

  it("reads Export case file in English", async () => {
    const c = await open("mingshui.duty");
    await c.page.evaluate(() => localStorage.setItem("mingfang.locale", "en"));
    await c.page.goto(`/cases/${caseId}`);
    const button = c.page.locator('[data-testid="case-export"]');
    await button.waitFor();
    expect((await button.textContent())?.trim()).toBe("Export case file");
    await button.hover();
    await c.page.locator(".cd-export-tip").waitFor({ state: "visible" });
    await c.shot("case-archive", "tooltip-en");
    expect(c.errors).toEqual([]);
  });
});
