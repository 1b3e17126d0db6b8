/**
 * The alert and case ledger (预警与案件台账) as an Excel workbook, in Chinese headings, as the bureau's
 * year-end assessment asks for it. Three sheets: 预警台账 (every alert), 案件台账 (every rapid-response
 * case), 汇总 (per station). Each sheet: a title row, a row naming the period and who exported it, then
 * the heading row, then one row per record. Times are Beijing time (UTC+8) as text.
 *
 * Written as a stream (exceljs' streaming WorkbookWriter): rows come a page at a time from the database
 * and leave as zipped XML, so a year of alerts for the whole district (tens of thousands of rows) neither
 * sits in memory nor holds the event loop (bench/reports/ledger.mjs). The summary sheet, last, is
 * counted on the way.
 *
 * With `assessment/assessment.workbook.ts`, the only modules that import exceljs.
 */

import type { Writable } from "node:stream";
import {
  alertStatusLabel,
  CASE_OUTCOME_LABELS,
  CASE_STATE_LABELS,
  type CaseOutcome,
  type CaseState,
  isOverdue,
  violationLabel,
} from "@mingfang/core";
import ExcelJS from "exceljs";

export interface LedgerAlertRow {
  id: string;
  captured_at: Date;
  type: string;
  grade: number;
  confidence: number;
  status: string;
  acknowledged_at: Date | null;
  ack_note: string | null;
  escalated_at: Date | null;
  station_id: number;
  station_name: string;
  workshop_name: string;
  licence_no: string;
  camera_name: string;
  area: string;
  acknowledged_by_name: string | null;
  /** Codes of the cases the alert is in, comma-separated; null when none. */
  case_code: string | null;
}

export interface LedgerCaseRow {
  id: string;
  code: string;
  created_at: Date;
  station_id: number;
  station_name: string;
  workshop_name: string | null;
  licence_no: string | null;
  title: string;
  source: string;
  state: string;
  assigned_brigade: boolean;
  dispatched_at: Date | null;
  dispatch_due_at: Date | null;
  on_site_at: Date | null;
  on_site_due_at: Date | null;
  rectification_due_at: Date | null;
  rectified_at: Date | null;
  reviewed_at: Date | null;
  closed_at: Date | null;
  outcome: string | null;
  alert_count: string | number | null;
}

export interface LedgerMeta {
  title: string;
  from: Date;
  to: Date;
  exportedBy: string;
  now: Date;
  stations: { id: number; name: string }[];
}

/** The rows, a page at a time, in ledger order. */
export interface LedgerRows {
  alerts: AsyncIterable<LedgerAlertRow[]> | Iterable<LedgerAlertRow[]>;
  cases: AsyncIterable<LedgerCaseRow[]> | Iterable<LedgerCaseRow[]>;
}

export const ALERT_HEADINGS = [
  "序号",
  "预警编号",
  "发现时间",
  "所属监管所",
  "小作坊名称",
  "许可证编号",
  "摄像头",
  "区域",
  "违规类型",
  "预警等级",
  "置信度",
  "处理状态",
  "确认人",
  "确认时间",
  "确认意见",
  "是否上报升级",
  "关联案件编号",
] as const;

export const CASE_HEADINGS = [
  "序号",
  "案件编号",
  "立案时间",
  "所属监管所",
  "小作坊名称",
  "许可证编号",
  "案由",
  "来源",
  "关联预警数",
  "当前状态",
  "移交执法大队",
  "派单时间",
  "到场时间",
  "整改期限",
  "整改完成时间",
  "复核时间",
  "结案时间",
  "处理结果",
  "是否超期",
] as const;

export const SUMMARY_HEADINGS = [
  "所属监管所",
  "预警总数",
  "一级预警",
  "误报数",
  "已立案预警",
  "案件总数",
  "已结案",
  "移交执法大队",
  "超期案件",
] as const;

const BEIJING_MS = 8 * 3600_000;
/** `2026-06-01 16:00` in Beijing time, or empty. */
export function beijing(d: Date | string | null | undefined): string {
  if (!d) return "";
  return new Date(new Date(d).getTime() + BEIJING_MS).toISOString().slice(0, 16).replace("T", " ");
}

function lateOrOverdue(c: LedgerCaseRow, now: Date): boolean {
  const t = {
    dispatchDueAt: c.dispatch_due_at,
    dispatchedAt: c.dispatched_at,
    onSiteDueAt: c.on_site_due_at,
    onSiteAt: c.on_site_at,
    rectificationDueAt: c.rectification_due_at,
    rectifiedAt: c.rectified_at,
  };
  const late = (due: Date | null, done: Date | null) =>
    !!due && !!done && new Date(done).getTime() > new Date(due).getTime();
  return (
    isOverdue(t, c.state as CaseState, now) ||
    late(t.dispatchDueAt, t.dispatchedAt) ||
    late(t.onSiteDueAt, t.onSiteAt) ||
    late(t.rectificationDueAt, t.rectifiedAt)
  );
}

type Sheet = ExcelJS.Worksheet;

/** A sheet with its title, subtitle and heading rows committed; data rows follow with `row()`. */
function startSheet(
  wb: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  title: string,
  subtitle: string,
  headings: readonly string[],
  widths: number[],
): Sheet {
  const ws = wb.addWorksheet(name, { views: [{ state: "frozen", ySplit: 3 }] });
  ws.columns = headings.map((_, i) => ({ width: widths[i] ?? 14 }));
  ws.autoFilter = { from: { row: 3, column: 1 }, to: { row: 3, column: headings.length } };
  const t = ws.addRow([title]);
  t.font = { bold: true, size: 14 };
  t.alignment = { horizontal: "center" };
  const sub = ws.addRow([subtitle]);
  // Merged before the rows are committed (a committed row cannot be touched again).
  ws.mergeCells(1, 1, 1, headings.length);
  ws.mergeCells(2, 1, 2, headings.length);
  t.commit();
  sub.commit();
  const head = ws.addRow([...headings]);
  head.font = { bold: true };
  head.eachCell((cell) => {
    cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFDDEBF7" } };
    cell.border = {
      top: { style: "thin" },
      bottom: { style: "thin" },
      left: { style: "thin" },
      right: { style: "thin" },
    };
  });
  head.commit();
  return ws;
}

/** Per station: what the summary sheet counts. */
interface Tally {
  alerts: number;
  grade1: number;
  falsePositives: number;
  inCases: number;
  cases: number;
  closed: number;
  brigade: number;
  late: number;
}
const emptyTally = (): Tally => ({
  alerts: 0,
  grade1: 0,
  falsePositives: 0,
  inCases: 0,
  cases: 0,
  closed: 0,
  brigade: 0,
  late: 0,
});

type Workbook = ExcelJS.stream.xlsx.WorkbookWriter;

/** The tally of each station, created on first use (a row of a station not listed still counts). */
function talliesFor(stations: LedgerMeta["stations"]) {
  const tally = new Map<number, Tally>(stations.map((s) => [s.id, emptyTally()]));
  const of = (station: number) => {
    const t = tally.get(station) ?? emptyTally();
    tally.set(station, t);
    return t;
  };
  return { tally, of };
}

function alertRow(n: number, a: LedgerAlertRow) {
  return [
    n,
    a.id,
    beijing(a.captured_at),
    a.station_name,
    a.workshop_name,
    a.licence_no,
    a.camera_name,
    a.area,
    violationLabel(a.type),
    `${a.grade}级`,
    Math.round(a.confidence * 100) / 100,
    alertStatusLabel(a.status),
    a.acknowledged_by_name ?? "",
    beijing(a.acknowledged_at),
    a.ack_note ?? "",
    a.escalated_at ? "是" : "否",
    a.case_code ?? "",
  ];
}

function caseRow(n: number, c: LedgerCaseRow, late: boolean) {
  return [
    n,
    c.code,
    beijing(c.created_at),
    c.station_name,
    c.workshop_name ?? "",
    c.licence_no ?? "",
    c.title,
    c.source === "alert" ? "视频预警" : "人工登记",
    Number(c.alert_count ?? 0),
    CASE_STATE_LABELS[c.state as CaseState] ?? c.state,
    c.assigned_brigade ? "是" : "否",
    beijing(c.dispatched_at),
    beijing(c.on_site_at),
    beijing(c.rectification_due_at),
    beijing(c.rectified_at),
    beijing(c.reviewed_at),
    beijing(c.closed_at),
    c.outcome ? (CASE_OUTCOME_LABELS[c.outcome as CaseOutcome] ?? c.outcome) : "",
    late ? "是" : "否",
  ];
}

/** 预警台账: one row per alert, counted into its station's tally; resolves with the number of rows. */
async function writeAlertSheet(
  wb: Workbook,
  meta: LedgerMeta,
  subtitle: string,
  pages: LedgerRows["alerts"],
  of: (station: number) => Tally,
): Promise<number> {
  const sheet = startSheet(
    wb,
    "预警台账",
    `${meta.title} — 预警台账`,
    subtitle,
    ALERT_HEADINGS,
    [6, 38, 17, 14, 24, 20, 16, 10, 14, 16, 8, 10, 10, 17, 30, 12, 20],
  );
  let n = 0;
  for await (const page of pages) {
    for (const a of page) {
      n++;
      sheet.addRow(alertRow(n, a)).commit();
      const t = of(a.station_id);
      t.alerts++;
      if (a.grade === 1) t.grade1++;
      if (a.status === "false_positive") t.falsePositives++;
      if (a.case_code !== null) t.inCases++;
    }
  }
  sheet.commit();
  return n;
}

/** 案件台账: one row per case, counted into its station's tally; resolves with the number of rows. */
async function writeCaseSheet(
  wb: Workbook,
  meta: LedgerMeta,
  subtitle: string,
  pages: LedgerRows["cases"],
  of: (station: number) => Tally,
): Promise<number> {
  const sheet = startSheet(
    wb,
    "案件台账",
    `${meta.title} — 案件台账`,
    subtitle,
    CASE_HEADINGS,
    [6, 22, 17, 14, 24, 20, 30, 8, 10, 10, 12, 17, 17, 17, 17, 17, 17, 12, 10],
  );
  let n = 0;
  for await (const page of pages) {
    for (const c of page) {
      n++;
      const late = lateOrOverdue(c, meta.now);
      sheet.addRow(caseRow(n, c, late)).commit();
      const t = of(c.station_id);
      t.cases++;
      if (c.state === "closed") t.closed++;
      if (c.assigned_brigade) t.brigade++;
      if (late) t.late++;
    }
  }
  sheet.commit();
  return n;
}

/** 汇总: one row per listed station, then the totals. */
function writeSummarySheet(
  wb: Workbook,
  meta: LedgerMeta,
  subtitle: string,
  tally: Map<number, Tally>,
): void {
  const summary = meta.stations.map((s) => {
    const t = tally.get(s.id) ?? emptyTally();
    return [s.name, t.alerts, t.grade1, t.falsePositives, t.inCases, t.cases, t.closed, t.brigade, t.late];
  });
  const total = SUMMARY_HEADINGS.map((_, i) =>
    i === 0 ? "合计" : summary.reduce((sum, r) => sum + Number(r[i] ?? 0), 0),
  );
  const sheet = startSheet(
    wb,
    "汇总",
    `${meta.title} — 汇总`,
    subtitle,
    SUMMARY_HEADINGS,
    [16, 10, 10, 10, 12, 10, 10, 14, 10],
  );
  for (const r of [...summary, total]) sheet.addRow(r).commit();
  sheet.commit();
}

/**
 * Writes the ledger workbook into `out` as the pages arrive; resolves with the row counts once the file
 * is complete (the stream is ended by then).
 */
export async function writeLedger(
  meta: LedgerMeta,
  rows: LedgerRows,
  out: Writable,
): Promise<{ alerts: number; cases: number }> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  wb.creator = "明坊 远程视频监管平台";
  wb.created = meta.now;
  const subtitle = `统计期间：${beijing(meta.from)} 至 ${beijing(meta.to)}（北京时间）    导出人：${meta.exportedBy}    导出时间：${beijing(meta.now)}`;
  const { tally, of } = talliesFor(meta.stations);
  const alerts = await writeAlertSheet(wb, meta, subtitle, rows.alerts, of);
  const cases = await writeCaseSheet(wb, meta, subtitle, rows.cases, of);
  writeSummarySheet(wb, meta, subtitle, tally);
  await wb.commit();
  return { alerts, cases };
}
