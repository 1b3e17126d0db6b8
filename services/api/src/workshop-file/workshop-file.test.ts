/**
 * The workshop's file and the Excel ledger on the real app: counts per month and type, the risk score
 * moving with alerts and cases, RBAC (another station → 404, the brigade gets no ledger), and the
 * workbook read back with exceljs having exactly the rows of the period.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  camerasOfTwoStations,
  makeAlert,
  type StationCamera,
} from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { WorkshopFileRepository } from "./workshop-file.repository.js";

let t: TestApp;
let dataDir: string;
let A: StationCamera;
let B: StationCamera;
const cookies: Record<string, string> = {};
const DAY = 86_400_000;

async function alertAt(cam: StationCamera, type: string, capturedAt: Date): Promise<string> {
  const job = await makeAlert(t.redis, cam.cameraId, { type, capturedAt: capturedAt.toISOString() });
  const r = await t.app.alertService.intake(job);
  expect(r.outcome).toBe("created");
  return job.id;
}

const get = (user: string, url: string) =>
  t.app.inject({ method: "GET", url, headers: { cookie: cookies[user]! } });
const post = (user: string, url: string, payload: object) =>
  t.app.inject({ method: "POST", url, headers: { cookie: cookies[user]! }, payload });

const now = new Date();
const ids: { a: string[]; b: string[]; fp: string; old: string } = { a: [], b: [], fp: "", old: "" };
let caseCode = "";

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-file-"));
  t = await buildTestApp({ env: { DATA_DIR: dataDir }, alerts: { workers: false, cooldownMinutes: 0 } });
  [A, B] = await camerasOfTwoStations(t.db);
  for (const u of [`${A.stationCode}.duty`, `${B.stationCode}.duty`, "brigade", "admin"])
    cookies[u] = await t.login(u);
  // Station A: two no_hat on different days (a repeat), one no_gloves marked a false positive, one
  // alert 400 days ago (outside the ledger period and the risk window). Station B: one alert.
  ids.a.push(await alertAt(A, "no_hat", new Date(now.getTime() - 2 * DAY)));
  ids.a.push(await alertAt(A, "no_hat", new Date(now.getTime() - 40 * DAY)));
  ids.fp = await alertAt(A, "no_gloves", new Date(now.getTime() - 1 * DAY));
  ids.old = await alertAt(A, "smoking", new Date(now.getTime() - 400 * DAY));
  ids.b.push(await alertAt(B, "rodent", new Date(now.getTime() - 3 * DAY)));
  const duty = `${A.stationCode}.duty`;
  expect((await post(duty, `/api/alerts/${ids.fp}/acknowledge`, { note: "看过" })).statusCode).toBe(200);
  expect(
    (await post(duty, `/api/alerts/${ids.fp}/false-positive`, { note: "手套颜色接近肤色" })).statusCode,
  ).toBe(200);
  const c = await post(duty, "/api/cases", { alertIds: [ids.a[0]!] });
  expect(c.statusCode, c.body).toBe(201);
  caseCode = c.json().code;
});

afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the workshop's file", () => {
  it("counts alerts per month and type, lists cases, and scores the risk with its parts", async () => {
    const r = await get(`${A.stationCode}.duty`, `/api/workshops/${A.workshopId}/file`);
    expect(r.statusCode, r.body).toBe(200);
    const f = r.json();
    expect(f.workshop.id).toBe(A.workshopId);
    expect(f.totals).toMatchObject({ alerts: 3, falsePositives: 1, cases: 1, openCases: 1, overdueCases: 0 });
    expect(f.byMonth.length).toBeGreaterThanOrEqual(12);
    expect(f.byMonth.reduce((n: number, m: { alerts: number }) => n + m.alerts, 0)).toBe(3);
    expect(f.byType).toEqual([
      { type: "no_hat", label: "未戴工作帽", alerts: 2, falsePositives: 0 },
      { type: "no_gloves", label: "未戴手套", alerts: 1, falsePositives: 1 },
    ]);
    expect(f.cases.map((c: { code: string }) => c.code)).toEqual([caseCode]);
    const part = (k: string) => f.risk.parts.find((p: { key: string }) => p.key === k).points;
    expect(part("openCases")).toBe(5);
    expect(part("repeats")).toBe(5);
    expect(part("recentAlerts")).toBeGreaterThan(0);
    expect(f.risk.score).toBe(f.risk.parts.reduce((n: number, p: { points: number }) => n + p.points, 0));

    // A period of 30 days: only the recent alerts.
    const from = new Date(now.getTime() - 30 * DAY).toISOString();
    const p = (await get(`${A.stationCode}.duty`, `/api/workshops/${A.workshopId}/file?from=${from}`)).json();
    expect(p.totals.alerts).toBe(2);
  });

  it("is another station's secret (404); the brigade sees the file without alerts", async () => {
    expect((await get(`${B.stationCode}.duty`, `/api/workshops/${A.workshopId}/file`)).statusCode).toBe(404);
    const r = await get("brigade", `/api/workshops/${A.workshopId}/file`);
    expect(r.statusCode).toBe(200);
    expect(r.json().alerts).toEqual([]);
    expect(r.json().cases).toEqual([]);
  });
});

async function readBack(buf: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const rows = (name: string) => {
    const ws = wb.getWorksheet(name);
    if (!ws) throw new Error(`no sheet ${name}`);
    const out: string[][] = [];
    ws.eachRow((row) => {
      out.push(
        (row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? "" : String(v))),
      );
    });
    return out;
  };
  return { wb, rows };
}

describe("the ledger (台账) as Excel", () => {
  const from = new Date(now.getTime() - 365 * DAY).toISOString();
  const to = new Date(now.getTime() + DAY).toISOString();

  it("one station: every alert and case of the period, in Chinese headings", async () => {
    const r = await get(
      `${A.stationCode}.duty`,
      `/api/reports/ledger.xlsx?stationId=${A.stationId}&from=${from}&to=${to}`,
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers["content-type"]).toContain("spreadsheetml");
    const { wb, rows } = await readBack(r.rawPayload);
    expect(wb.worksheets.map((w) => w.name)).toEqual(["预警台账", "案件台账", "汇总"]);

    const alerts = rows("预警台账");
    expect(alerts[0]![0]).toContain("预警台账");
    expect(alerts[2]!.slice(0, 4)).toEqual(["序号", "预警编号", "发现时间", "所属监管所"]);
    const data = alerts.slice(3);
    // The three alerts of the period, oldest first; the 400-day-old one and station B's are not there.
    expect(data.map((r) => r[1])).toEqual([ids.a[1], ids.a[0], ids.fp]);
    expect(data.map((r) => r[0])).toEqual(["1", "2", "3"]);
    const fpRow = data.find((r) => r[1] === ids.fp)!;
    expect(fpRow[8]).toBe("未戴手套");
    expect(fpRow[11]).toBe("误报");
    expect(fpRow[14]).toBe("看过");
    const caseRow = data.find((r) => r[1] === ids.a[0])!;
    expect(caseRow[11]).toBe("已立案");
    expect(caseRow[16]).toBe(caseCode);

    const cases = rows("案件台账");
    expect(cases[2]!.slice(0, 3)).toEqual(["序号", "案件编号", "立案时间"]);
    expect(cases.slice(3).map((r) => r[1])).toEqual([caseCode]);
    expect(cases[3]![7]).toBe("视频预警");
    expect(cases[3]![9]).toBe("待派单");

    const summary = rows("汇总");
    expect(summary[2]![0]).toBe("所属监管所");
    // The grades come from the alert service's grading policy: count them from the database.
    const grade1 = (
      await t.db
        .selectFrom("alerts")
        .select("id")
        .where("id", "in", [...ids.a, ids.fp])
        .where("grade", "=", 1)
        .execute()
    ).length;
    expect(summary.slice(3).map((r) => r.slice(1, 7))).toEqual([
      ["3", String(grade1), "1", "1", "1", "0"],
      ["3", String(grade1), "1", "1", "1", "0"],
    ]);
    expect(summary[4]![0]).toBe("合计");

    const audit = await t.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "report.ledger")
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(1);
  });

  it("the bureau gets every station; a station user gets its own; the brigade none; another station 404", async () => {
    const all = await get("admin", `/api/reports/ledger.xlsx?from=${from}&to=${to}`);
    expect(all.statusCode).toBe(200);
    const { rows } = await readBack(all.rawPayload);
    const alertIds = rows("预警台账")
      .slice(3)
      .map((r) => r[1]);
    expect(alertIds).toHaveLength(4);
    expect(alertIds).toContain(ids.b[0]);
    expect(rows("汇总").slice(3).length).toBe(18 + 1);

    const own = await get(`${B.stationCode}.duty`, `/api/reports/ledger.xlsx?from=${from}&to=${to}`);
    expect(own.statusCode).toBe(200);
    expect(
      (await readBack(own.rawPayload))
        .rows("预警台账")
        .slice(3)
        .map((r) => r[1]),
    ).toEqual([ids.b[0]]);
    expect(
      (
        await get(
          `${B.stationCode}.duty`,
          `/api/reports/ledger.xlsx?stationId=${A.stationId}&from=${from}&to=${to}`,
        )
      ).statusCode,
    ).toBe(404);
    expect((await get("brigade", `/api/reports/ledger.xlsx?from=${from}&to=${to}`)).statusCode).toBe(403);
    expect((await get("admin", `/api/reports/ledger.xlsx?from=${to}&to=${from}`)).statusCode).toBe(400);
  });

  it("pages through the database by the exact key: ties and microseconds neither repeat nor skip a row", async () => {
    // Six alerts at one instant (ties broken by id), one of them moved by a few microseconds (a key a JS
    // Date cannot hold), read two at a time.
    const at = new Date(now.getTime() - 5 * DAY);
    const tied: string[] = [];
    for (let i = 0; i < 6; i++) tied.push(await alertAt(B, "no_mask", at));
    await sql`update alerts set captured_at = captured_at + interval '7 microseconds' where id = ${tied[0]}`.execute(
      t.db,
    );
    const repo = new WorkshopFileRepository(t.db);
    const scope = { stationIds: [B.stationId], from: new Date(from), to: new Date(to) };
    const pages: string[][] = [];
    for await (const page of repo.ledgerAlertPages(scope, 2)) pages.push(page.map((r) => r.id));
    const all = (await repo.ledgerAlertPages(scope, 1000).next()).value!.map((r) => r.id);
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    expect(pages.flat()).toEqual(all);
    expect(new Set(pages.flat()).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining([...tied, ids.b[0]!]));
    expect(all).toHaveLength(tied.length + 1);
  });
});
