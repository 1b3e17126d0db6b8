/**
 * The year-end assessment (年终考核) as an Excel workbook, in Chinese: the summary sheet first (汇总: one row
 * per station, then the district's 全区合计 row), then one sheet per station with its figures laid out as
 * sections (targets, alerts by type and by month, response times, cases and their outcomes, cameras).
 * Written with exceljs' streaming WorkbookWriter (as the ledger is): each row is committed as it is
 * written and leaves as zipped XML, so the file streams to the client while it is built.
 */
import type { Writable } from "node:stream";
import {
  type AssessmentFigures,
  type AssessmentView,
  CASE_OUTCOME_KEYS,
  CASE_OUTCOME_LABELS,
  PLAN_TARGET_KEYS,
  violationLabel,
} from "@mingfang/core";
import ExcelJS from "exceljs";

type Workbook = ExcelJS.stream.xlsx.WorkbookWriter;
type Sheet = ExcelJS.Worksheet;

export const TARGET_LABELS: Record<(typeof PLAN_TARGET_KEYS)[number], string> = {
  demonstrationWorkshops: "示范小作坊",
  upgradedToEnterprises: "转企升级",
  videoSupervisionPilots: "视频监管试点",
  industryAssociationActivities: "行业协会活动",
};

export const SUMMARY_HEADINGS = [
  "监管所",
  ...PLAN_TARGET_KEYS.flatMap((k) => [`${TARGET_LABELS[k]}目标`, `${TARGET_LABELS[k]}完成`]),
  "摄像头数",
  "工作时段在线率",
  "预警总数",
  "确认用时中位数(分钟)",
  "确认用时P90(分钟)",
  "立案数",
  "结案数",
  "结案率",
  "超期案件",
  ...CASE_OUTCOME_KEYS.map((k) => CASE_OUTCOME_LABELS[k]),
] as const;

export const DISTRICT_LABEL = "全区合计";
export const SUMMARY_SHEET = "汇总";

const BEIJING_MS = 8 * 3600_000;
const beijing = (d: Date) => new Date(d.getTime() + BEIJING_MS).toISOString().slice(0, 16).replace("T", " ");
/** Minutes, one decimal; empty when there is nothing measured. */
const minutes = (s: number | null) => (s === null ? "" : Math.round(s / 6) / 10);
/** A share as a number with a percent format (Excel shows 93.5%); empty when null. */
const share = (r: number | null) => (r === null ? "" : Math.round(r * 10000) / 10000);

const THIN = { style: "thin" } as const;
const BOX = { top: THIN, bottom: THIN, left: THIN, right: THIN };

/** A sheet name Excel accepts: at most 31 characters, none of []:*?/\ , unique in the workbook. */
export function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, "_").slice(0, 28) || "监管所";
  let n = base;
  for (let i = 2; taken.has(n); i++) n = `${base}${i}`;
  taken.add(n);
  return n;
}

function titleRows(ws: Sheet, title: string, subtitle: string, width: number): void {
  const t = ws.addRow([title]);
  t.font = { bold: true, size: 14 };
  t.alignment = { horizontal: "center" };
  const sub = ws.addRow([subtitle]);
  ws.mergeCells(1, 1, 1, width);
  ws.mergeCells(2, 1, 2, width);
  t.commit();
  sub.commit();
}

function headingRow(ws: Sheet, cells: readonly string[]): void {
  const head = ws.addRow([...cells]);
  head.font = { bold: true };
  head.eachCell((cell) => {
    cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFDDEBF7" } };
    cell.border = BOX;
  });
  head.commit();
}

function dataRow(ws: Sheet, cells: unknown[], pct: number[] = []): void {
  const row = ws.addRow(cells);
  row.eachCell((cell) => {
    cell.border = BOX;
  });
  for (const c of pct) row.getCell(c).numFmt = "0.0%";
  row.commit();
}

/** The summary sheet's cells of one station (or of the district). */
export function summaryCells(name: string, f: AssessmentFigures): (string | number)[] {
  return [
    name,
    ...PLAN_TARGET_KEYS.flatMap((k) => [f.targets[k].target, f.targets[k].achieved]),
    f.cameras.total,
    share(f.cameras.uptime),
    f.alerts.total,
    minutes(f.alerts.ackMedianSeconds),
    minutes(f.alerts.ackP90Seconds),
    f.cases.opened,
    f.cases.closed,
    share(f.cases.closureRate),
    f.cases.overdue,
    ...CASE_OUTCOME_KEYS.map((k) => f.cases.outcomes[k]),
  ];
}

/** Columns (1-based) of the summary sheet that hold shares. */
const SUMMARY_PCT = [SUMMARY_HEADINGS.indexOf("工作时段在线率") + 1, SUMMARY_HEADINGS.indexOf("结案率") + 1];

function writeSummary(wb: Workbook, v: AssessmentView, title: string, subtitle: string): void {
  const ws = wb.addWorksheet(SUMMARY_SHEET, {
    views: [{ state: "frozen", ySplit: 3, xSplit: 1 }],
    pageSetup: { paperSize: 9, orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  ws.columns = SUMMARY_HEADINGS.map((_, i) => ({ width: i === 0 ? 18 : 11 }));
  titleRows(ws, `${title} — 汇总`, subtitle, SUMMARY_HEADINGS.length);
  headingRow(ws, SUMMARY_HEADINGS);
  for (const s of v.stations) dataRow(ws, summaryCells(s.stationName, s.figures), SUMMARY_PCT);
  dataRow(ws, summaryCells(DISTRICT_LABEL, v.district), SUMMARY_PCT);
  ws.commit();
}

function section(ws: Sheet, label: string): void {
  ws.addRow([]).commit();
  const r = ws.addRow([label]);
  r.font = { bold: true, size: 12 };
  r.commit();
}

/** One station's sheet: its figures, with the district's beside them for comparison. */
function writeStation(
  wb: Workbook,
  name: string,
  title: string,
  subtitle: string,
  f: AssessmentFigures,
  d: AssessmentFigures,
): void {
  const ws = wb.addWorksheet(name, {
    pageSetup: { paperSize: 9, orientation: "portrait", fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  ws.columns = [{ width: 24 }, { width: 14 }, { width: 14 }, { width: 14 }];
  titleRows(ws, title, subtitle, 4);
  section(ws, "一、年度目标完成情况");
  headingRow(ws, ["目标", "目标数", "完成数", "完成率"]);
  for (const k of PLAN_TARGET_KEYS) {
    const t = f.targets[k];
    dataRow(ws, [TARGET_LABELS[k], t.target, t.achieved, t.target > 0 ? t.achieved / t.target : ""], [4]);
  }
  section(ws, "二、视频预警");
  headingRow(ws, ["违规类型", "本所", "全区"]);
  for (const a of f.alerts.byType) {
    const district = d.alerts.byType.find((x) => x.type === a.type)?.count ?? 0;
    dataRow(ws, [violationLabel(a.type), a.count, district]);
  }
  dataRow(ws, ["合计", f.alerts.total, d.alerts.total]);
  headingRow(ws, ["月份", "本所", "全区"]);
  for (const [i, m] of f.alerts.byMonth.entries())
    dataRow(ws, [m.month, m.count, d.alerts.byMonth[i]?.count ?? 0]);
  section(ws, "三、响应时间（预警至确认，分钟）");
  headingRow(ws, ["指标", "本所", "全区"]);
  dataRow(ws, ["中位数", minutes(f.alerts.ackMedianSeconds), minutes(d.alerts.ackMedianSeconds)]);
  dataRow(ws, ["P90", minutes(f.alerts.ackP90Seconds), minutes(d.alerts.ackP90Seconds)]);
  section(ws, "四、快速反应案件");
  headingRow(ws, ["指标", "本所", "全区"]);
  dataRow(ws, ["立案数", f.cases.opened, d.cases.opened]);
  dataRow(ws, ["结案数", f.cases.closed, d.cases.closed]);
  dataRow(ws, ["结案率", share(f.cases.closureRate), share(d.cases.closureRate)], [2, 3]);
  dataRow(ws, ["超期案件（当前）", f.cases.overdue, d.cases.overdue]);
  for (const k of CASE_OUTCOME_KEYS)
    dataRow(ws, [`结果：${CASE_OUTCOME_LABELS[k]}`, f.cases.outcomes[k], d.cases.outcomes[k]]);
  section(ws, "五、摄像头");
  headingRow(ws, ["指标", "本所", "全区"]);
  dataRow(ws, ["摄像头数", f.cameras.total, d.cameras.total]);
  dataRow(ws, ["工作时段在线率", share(f.cameras.uptime), share(d.cameras.uptime)], [2, 3]);
  ws.commit();
}

export interface AssessmentWorkbookMeta {
  /** The bureau's heading, e.g. 章丘区市场监督管理局 食品小作坊远程视频监管. */
  title: string;
  exportedBy: string;
  now: Date;
  /** Called as each sheet is done (the CLI prints it). */
  progress?: (sheet: string, done: number, total: number) => void;
}

/** Writes the workbook into `out` (ended when the file is complete); resolves with the sheet names. */
export async function writeAssessmentWorkbook(
  v: AssessmentView,
  meta: AssessmentWorkbookMeta,
  out: Writable,
): Promise<string[]> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  wb.creator = "明坊 远程视频监管平台";
  wb.created = meta.now;
  const title = `${meta.title} ${v.year}年度年终考核`;
  const period = `统计期间：${v.period.from} 至 ${v.period.to}${v.complete ? "" : "（年度未结束）"}`;
  const subtitle = `${period}    导出人：${meta.exportedBy}    导出时间：${beijing(meta.now)}（北京时间）`;
  const total = v.stations.length + 1;
  writeSummary(wb, v, title, subtitle);
  const names = [SUMMARY_SHEET];
  meta.progress?.(SUMMARY_SHEET, 1, total);
  const taken = new Set(names);
  for (const s of v.stations) {
    const name = sheetName(s.stationName, taken);
    writeStation(wb, name, `${title} — ${s.stationName}`, subtitle, s.figures, v.district);
    names.push(name);
    meta.progress?.(name, names.length, total);
  }
  await wb.commit();
  return names;
}

/** The download's name: 章丘区小作坊视频监管年终考核-2026.xlsx (a station's: …-明水-2026.xlsx). */
export function workbookFileName(year: number, station?: string): string {
  return `章丘区小作坊视频监管年终考核${station ? `-${station}` : ""}-${year}.xlsx`;
}
