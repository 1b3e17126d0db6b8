/**
 * The workshop's file (监管档案) as a view: the period asked for, counts per month (Beijing time) and per
 * violation type, and the rows shown. Pure: the reads are the routes' and the repository's.
 */
import {
  type CaseState,
  isOverdue,
  type Principal,
  type RiskScore,
  violationLabel,
  type WorkshopFileView,
} from "@mingfang/core";
import { caseTimes, caseView } from "../cases/case.views.js";
import { badRequest } from "../errors.js";
import type { WorkshopFileRepository } from "./workshop-file.repository.js";

export const DAY = 86_400_000;
const BEIJING_MS = 8 * 3600_000;
const monthOf = (d: Date) => new Date(d.getTime() + BEIJING_MS).toISOString().slice(0, 7);
/** The longest period one file or ledger covers. */
const MAX_SPAN_DAYS = 1100;

type Repo = WorkshopFileRepository;
export type FileWorkshop = NonNullable<Awaited<ReturnType<Repo["workshop"]>>>;
export type FileAlert = Awaited<ReturnType<Repo["alertsOf"]>>[number];
export type FileCase = Awaited<ReturnType<Repo["casesOf"]>>[number];

/** What the file shows, as read for the user. */
export interface FileRows {
  alerts: FileAlert[];
  cases: FileCase[];
  /** The alerts of each case, by case id. */
  alertIds: Map<string, string[]>;
  risk: RiskScore;
}

export function period(fromS: string | undefined, toS: string | undefined, defaultDays: number) {
  const to = toS ? new Date(toS) : new Date();
  const from = fromS ? new Date(fromS) : new Date(to.getTime() - defaultDays * DAY);
  if (from.getTime() >= to.getTime()) throw badRequest("from", "querystring: 'from' must be before 'to'");
  if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY)
    throw badRequest("from", `querystring: a period covers at most ${MAX_SPAN_DAYS} days`);
  return { from, to };
}

/** Every month (YYYY-MM, Beijing time) from `from` to `to`, in order. */
function months(from: Date, to: Date): string[] {
  const out: string[] = [];
  let [y, m] = monthOf(from).split("-").map(Number) as [number, number];
  const last = monthOf(new Date(to.getTime() - 1));
  for (;;) {
    const key = `${y}-${String(m).padStart(2, "0")}`;
    out.push(key);
    if (key >= last || out.length > 60) break;
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** Alerts and false positives per month and per violation type; cases opened in the period per month. */
function tally(alerts: FileAlert[], inPeriod: FileCase[], from: Date, to: Date) {
  const byMonth = new Map(
    months(from, to).map((m) => [m, { month: m, alerts: 0, falsePositives: 0, cases: 0 }]),
  );
  const byType = new Map<string, { type: string; label: string; alerts: number; falsePositives: number }>();
  for (const a of alerts) {
    const fp = a.status === "false_positive";
    const m = byMonth.get(monthOf(new Date(a.captured_at)));
    if (m) {
      m.alerts += 1;
      if (fp) m.falsePositives += 1;
    }
    const t = byType.get(a.type) ?? {
      type: a.type,
      label: violationLabel(a.type),
      alerts: 0,
      falsePositives: 0,
    };
    t.alerts += 1;
    if (fp) t.falsePositives += 1;
    byType.set(a.type, t);
  }
  for (const c of inPeriod) {
    const m = byMonth.get(monthOf(new Date(c.created_at)));
    if (m) m.cases += 1;
  }
  return {
    byMonth: [...byMonth.values()],
    byType: [...byType.values()].sort((a, b) => b.alerts - a.alerts || a.type.localeCompare(b.type)),
  };
}

function workshopHeader(w: FileWorkshop): WorkshopFileView["workshop"] {
  return {
    id: w.id,
    name: w.name,
    licenceNo: w.licence_no,
    address: w.address,
    category: w.category,
    riskLevel: w.risk_level,
    coldChain: w.cold_chain,
    stationId: w.station_id,
    stationName: w.station_name,
  };
}

function alertLine(a: FileAlert): WorkshopFileView["alerts"][number] {
  return {
    id: a.id,
    type: a.type,
    typeLabel: violationLabel(a.type),
    grade: a.grade,
    status: a.status,
    cameraId: a.camera_id,
    capturedAt: new Date(a.captured_at).toISOString(),
    caseId: a.case_id ?? null,
  };
}

/** The file of the period: counts, the latest 200 alerts, the cases (opened in the period or still open). */
export function workshopFileView(
  w: FileWorkshop,
  rows: FileRows,
  viewer: Principal,
  { from, to, now }: { from: Date; to: Date; now: Date },
): WorkshopFileView {
  const { alerts, cases } = rows;
  const inPeriod = cases.filter((c) => {
    const t = new Date(c.created_at).getTime();
    return t >= from.getTime() && t < to.getTime();
  });
  return {
    workshop: workshopHeader(w),
    period: { from: from.toISOString(), to: to.toISOString() },
    risk: rows.risk,
    totals: {
      alerts: alerts.length,
      falsePositives: alerts.filter((a) => a.status === "false_positive").length,
      cases: inPeriod.length,
      openCases: cases.filter((c) => c.state !== "closed").length,
      overdueCases: cases.filter((c) => isOverdue(caseTimes(c), c.state as CaseState, now)).length,
    },
    ...tally(alerts, inPeriod, from, to),
    alerts: alerts.slice(0, 200).map(alertLine),
    cases: cases.map((c) => caseView(c, rows.alertIds.get(c.id) ?? [], viewer, now)),
  };
}
