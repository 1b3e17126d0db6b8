/**
 * The alert and case ledger (预警与案件台账) as an Excel workbook, in Chinese headings, as the bureau's
 * year-end assessment asks for it. Three sheets: 预警台账 (every alert), 案件台账 (every rapid-response
 * case), 汇总 (per station). Each sheet: a title row, a row naming the period and who exported it, then
 * the heading row, then one row per record. Times are Beijing time (UTC+8) as text.
 *
 * The only module that imports exceljs.
 */
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

export interface LedgerInput {
  title: string;
  from: Date;
  to: Date;
  exportedBy: string;
  now: Date;
  stations: { id: number; name: string }[];
  alerts: LedgerAlertRow[];
  cases: LedgerCaseRow[];
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

function addSheet(
  wb: ExcelJS.Workbook,
  name: string,
  title: string,
  subtitle: string,
  headings: readonly string[],
  widths: number[],
  rows: (string | number)[][],
) {
  const ws = wb.addWorksheet(name, { views: [{ state: "frozen", ySplit: 3 }] });
  ws.columns = headings.map((_, i) => ({ width: widths[i] ?? 14 }));
  ws.addRow([title]);
  ws.mergeCells(1, 1, 1, headings.length);
  ws.getRow(1).font = { bold: true, size: 14 };
  ws.getRow(1).alignment = { horizontal: "center" };
  ws.addRow([subtitle]);
  ws.mergeCells(2, 1, 2, headings.length);
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
  for (const r of rows) ws.addRow(r);
  ws.autoFilter = { from: { row: 3, column: 1 }, to: { row: 3, column: headings.length } };
}

export async function ledgerWorkbook(input: LedgerInput): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "明坊 远程视频监管平台";
  wb.created = input.now;
  const subtitle = `统计期间：${beijing(input.from)} 至 ${beijing(input.to)}（北京时间）    导出人：${input.exportedBy}    导出时间：${beijing(input.now)}`;

  addSheet(
    wb,
    "预警台账",
    `${input.title} — 预警台账`,
    subtitle,
    ALERT_HEADINGS,
    [6, 38, 17, 14, 24, 20, 16, 10, 14, 16, 8, 10, 10, 17, 30, 12, 20],
    input.alerts.map((a, i) => [
      i + 1,
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
    ]),
  );

  addSheet(
    wb,
    "案件台账",
    `${input.title} — 案件台账`,
    subtitle,
    CASE_HEADINGS,
    [6, 22, 17, 14, 24, 20, 30, 8, 10, 10, 12, 17, 17, 17, 17, 17, 17, 12, 10],
    input.cases.map((c, i) => [
      i + 1,
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
      lateOrOverdue(c, input.now) ? "是" : "否",
    ]),
  );

  const summary = input.stations.map((s) => {
    const al = input.alerts.filter((a) => a.station_id === s.id);
    const cs = input.cases.filter((c) => c.station_id === s.id);
    return [
      s.name,
      al.length,
      al.filter((a) => a.grade === 1).length,
      al.filter((a) => a.status === "false_positive").length,
      al.filter((a) => a.case_code !== null).length,
      cs.length,
      cs.filter((c) => c.state === "closed").length,
      cs.filter((c) => c.assigned_brigade).length,
      cs.filter((c) => lateOrOverdue(c, input.now)).length,
    ];
  });
  const total = SUMMARY_HEADINGS.map((_, i) =>
    i === 0 ? "合计" : summary.reduce((n, r) => n + Number(r[i] ?? 0), 0),
  );
  addSheet(
    wb,
    "汇总",
    `${input.title} — 汇总`,
    subtitle,
    SUMMARY_HEADINGS,
    [16, 10, 10, 10, 12, 10, 10, 14, 10],
    [...summary, total],
  );

  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}
