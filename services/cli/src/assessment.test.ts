/**
 * `mingfang assessment`'s writer on the seeded district: the file it writes reads back with exceljs (the
 * summary first, a sheet per station, the JSON's figures in the summary), one station with the district's
 * row, progress printed per sheet, and an unknown station or a bad year refused without leaving a file.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Keyring } from "@mingfang/core";
import { seedReferenceData } from "@mingfang/db";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb } from "../../../test/support/harness.js";
import { writeAssessmentFile } from "./assessment.js";

const lastYear = new Date().getUTCFullYear() - 1;

describe("mingfang assessment", () => {
  let t: Awaited<ReturnType<typeof openTestDb>>;
  let dir: string;
  let mingshui: number;

  beforeAll(async () => {
    t = await openTestDb("pglite");
    await seedReferenceData(t.db, { credentialsKey: new Keyring(randomUUID()).credentials });
    dir = mkdtempSync(path.join(tmpdir(), "mf-assessment-"));
    const s = await t.db
      .selectFrom("stations")
      .select("id")
      .where("code", "=", "mingshui")
      .executeTakeFirstOrThrow();
    mingshui = s.id;
    // Two closed cases of last year at mingshui: a closure rate of 100% and two rectified.
    for (const month of ["03", "09"])
      await t.db
        .insertInto("cases")
        .values({
          id: randomUUID(),
          code: `T-${month}`,
          station_id: mingshui,
          workshop_id: null,
          title: "测试案件",
          description: null,
          state: "closed",
          deadline: null,
          outcome: "rectified",
          opened_by: null,
          closed_at: new Date(`${lastYear}-${month}-20T10:00:00+08:00`),
          created_at: new Date(`${lastYear}-${month}-10T10:00:00+08:00`),
        })
        .execute();
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const load = async (file: string) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    return wb;
  };

  it("writes the district's workbook that reads back, printing each sheet", async () => {
    const lines: string[] = [];
    const out = path.join(dir, "district.xlsx");
    const sheets = await writeAssessmentFile(t.db, { year: lastYear, out, print: (l) => lines.push(l) });
    const wb = await load(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(sheets);
    expect(sheets).toHaveLength(19);
    expect(sheets[0]).toBe("汇总");
    expect(lines.filter((l) => /sheet \d+\/19 /.test(l))).toHaveLength(19);
    expect(lines.at(-1)).toMatch(/wrote .*district\.xlsx \(19 sheets, \d+ bytes\)/);
    // The district's row, last: 2 cases opened and closed, a closure rate of 1.
    const summary = wb.getWorksheet("汇总")!;
    const heads = summary.getRow(3).values as unknown[];
    const last = summary.getRow(summary.rowCount).values as unknown[];
    expect(last[1]).toBe("全区合计");
    expect(last[heads.indexOf("立案数")]).toBe(2);
    expect(last[heads.indexOf("结案率")]).toBe(1);
    expect(last[heads.indexOf("已整改到位")]).toBe(2);
    expect(last[heads.indexOf("示范小作坊目标")]).toBe(126);
    expect(readdirSync(dir).filter((f) => f.endsWith(".part"))).toEqual([]);
  });

  it("writes one station's sheet with the district's row, by code or id", async () => {
    for (const station of ["mingshui", String(mingshui)]) {
      const out = path.join(dir, `one-${station}.xlsx`);
      await writeAssessmentFile(t.db, { year: lastYear, station, out, print: () => {} });
      const wb = await load(out);
      expect(wb.worksheets.map((w) => w.name)).toEqual(["汇总", "明水所"]);
      const summary = wb.getWorksheet("汇总")!;
      expect([4, 5].map((r) => summary.getRow(r).getCell(1).value)).toEqual(["明水所", "全区合计"]);
    }
  });

  it("refuses an unknown station and a year out of range, writing nothing", async () => {
    const out = path.join(dir, "bad.xlsx");
    await expect(
      writeAssessmentFile(t.db, { year: lastYear, station: "nowhere", out, print: () => {} }),
    ).rejects.toThrow(/no station 'nowhere'/);
    await expect(writeAssessmentFile(t.db, { year: 2019, out, print: () => {} })).rejects.toThrow(
      /a year from 2020/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
