/**
 * The workshop's risk score (风险评分) for its file (监管档案 / 风险防控台账): a pure function of plain
 * data, 0–100, higher is riskier. Every part is capped so that no single factor decides alone, and every
 * part is returned with its points so the file shows why.
 *
 *   score = base(risk level) + cold chain + recent alerts + open cases + overdue cases + repeats   (≤ 100)
 *
 *   base           high 25 · medium 15 · low 5                                (the licence's risk grade)
 *   cold chain     +10                                                          (冷链: spoilage risk)
 *   recent alerts  Σ weight(grade) × 0.5^(age days / 30) over the last 90 days, capped at 30;
 *                  weight: level 1 → 6, level 2 → 3, level 3 → 1; false positives count 0
 *   open cases     +5 per case not closed, capped at 15
 *   overdue cases  +5 per open case with a deadline past, capped at 10
 *   repeats        +5 per violation type seen (not false positive) on ≥ 2 different days in the
 *                  last 90 days, capped at 10                                   (屡查屡犯)
 *
 * Bands: ≥ 60 high (高风险), 30–59 medium (中风险), < 30 low (低风险).
 */
import type { RiskLevel } from "./vocabulary.js";

export const RISK_WINDOW_DAYS = 90;
export const RISK_HALF_LIFE_DAYS = 30;
const DAY = 86_400_000;

export interface RiskAlert {
  type: string;
  grade: number;
  capturedAt: Date;
  falsePositive: boolean;
}

export interface RiskCase {
  closed: boolean;
  overdue: boolean;
}

export interface RiskInput {
  riskLevel: RiskLevel;
  coldChain: boolean;
  alerts: readonly RiskAlert[];
  cases: readonly RiskCase[];
  now: Date;
}

export type RiskBand = "high" | "medium" | "low";

export interface RiskPart {
  key: "base" | "coldChain" | "recentAlerts" | "openCases" | "overdueCases" | "repeats";
  label: string;
  points: number;
  max: number;
}

export interface RiskScore {
  score: number;
  band: RiskBand;
  bandLabel: string;
  parts: RiskPart[];
}

const BASE: Record<RiskLevel, number> = { high: 25, medium: 15, low: 5 };
const GRADE_WEIGHT: Record<number, number> = { 1: 6, 2: 3, 3: 1 };
export const RISK_BAND_LABELS: Record<RiskBand, string> = { high: "高风险", medium: "中风险", low: "低风险" };

const round1 = (n: number) => Math.round(n * 10) / 10;

export function riskScore(input: RiskInput): RiskScore {
  const now = input.now.getTime();
  const recent = input.alerts.filter((a) => {
    const age = now - a.capturedAt.getTime();
    return !a.falsePositive && age >= 0 && age <= RISK_WINDOW_DAYS * DAY;
  });
  const weighted = recent.reduce((sum, a) => {
    const ageDays = (now - a.capturedAt.getTime()) / DAY;
    return sum + (GRADE_WEIGHT[a.grade] ?? 1) * 0.5 ** (ageDays / RISK_HALF_LIFE_DAYS);
  }, 0);

  const daysByType = new Map<string, Set<string>>();
  for (const a of recent) {
    const day = a.capturedAt.toISOString().slice(0, 10);
    const set = daysByType.get(a.type) ?? new Set<string>();
    set.add(day);
    daysByType.set(a.type, set);
  }
  const repeatedTypes = [...daysByType.values()].filter((s) => s.size >= 2).length;
  const open = input.cases.filter((c) => !c.closed);

  const parts: RiskPart[] = [
    { key: "base", label: "风险等级", points: BASE[input.riskLevel], max: 25 },
    { key: "coldChain", label: "冷链", points: input.coldChain ? 10 : 0, max: 10 },
    { key: "recentAlerts", label: "近90天预警", points: round1(Math.min(30, weighted)), max: 30 },
    { key: "openCases", label: "未结案件", points: Math.min(15, 5 * open.length), max: 15 },
    {
      key: "overdueCases",
      label: "超期案件",
      points: Math.min(10, 5 * open.filter((c) => c.overdue).length),
      max: 10,
    },
    { key: "repeats", label: "重复违规", points: Math.min(10, 5 * repeatedTypes), max: 10 },
  ];
  const score = round1(
    Math.min(
      100,
      parts.reduce((s, p) => s + p.points, 0),
    ),
  );
  const band: RiskBand = score >= 60 ? "high" : score >= 30 ? "medium" : "low";
  return { score, band, bandLabel: RISK_BAND_LABELS[band], parts };
}
