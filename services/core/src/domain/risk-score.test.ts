import { describe, expect, it } from "vitest";
import { type RiskAlert, riskScore } from "./risk-score.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const alert = (d: number, grade = 2, type = "no_hat", falsePositive = false): RiskAlert => ({
  type,
  grade,
  capturedAt: daysAgo(d),
  falsePositive,
});
const points = (r: ReturnType<typeof riskScore>, key: string) => r.parts.find((p) => p.key === key)?.points;

describe("risk score", () => {
  it("a quiet low-risk workshop is low", () => {
    const r = riskScore({ riskLevel: "low", coldChain: false, alerts: [], cases: [], now: NOW });
    expect(r.score).toBe(5);
    expect(r.band).toBe("low");
    expect(r.bandLabel).toBe("低风险");
  });

  it("adds the risk level and the cold chain", () => {
    const r = riskScore({ riskLevel: "high", coldChain: true, alerts: [], cases: [], now: NOW });
    expect(r.score).toBe(35);
    expect(r.band).toBe("medium");
  });

  it("weights alerts by grade and halves them every 30 days; false positives and old alerts count 0", () => {
    const r = riskScore({
      riskLevel: "low",
      coldChain: false,
      alerts: [alert(0, 1), alert(30, 2), alert(10, 1, "no_hat", true), alert(120, 1)],
      cases: [],
      now: NOW,
    });
    // 6 × 1 + 3 × 0.5 = 7.5
    expect(points(r, "recentAlerts")).toBe(7.5);
  });

  it("caps recent alerts at 30", () => {
    const many = Array.from({ length: 50 }, () => alert(0, 1, "smoking"));
    const r = riskScore({ riskLevel: "low", coldChain: false, alerts: many, cases: [], now: NOW });
    expect(points(r, "recentAlerts")).toBe(30);
  });

  it("counts repeats only on different days, per type", () => {
    const r = riskScore({
      riskLevel: "low",
      coldChain: false,
      alerts: [
        alert(1, 3, "no_hat"),
        alert(5, 3, "no_hat"),
        alert(2, 3, "no_gloves"),
        alert(2, 3, "no_gloves"),
      ],
      cases: [],
      now: NOW,
    });
    expect(points(r, "repeats")).toBe(5);
  });

  it("counts open and overdue cases, not closed ones", () => {
    const r = riskScore({
      riskLevel: "medium",
      coldChain: false,
      alerts: [],
      cases: [
        { closed: false, overdue: true },
        { closed: false, overdue: false },
        { closed: true, overdue: false },
      ],
      now: NOW,
    });
    expect(points(r, "openCases")).toBe(10);
    expect(points(r, "overdueCases")).toBe(5);
    expect(r.score).toBe(30);
  });

  it("a busy high-risk cold-chain workshop is high and never above 100", () => {
    const r = riskScore({
      riskLevel: "high",
      coldChain: true,
      alerts: [
        ...Array.from({ length: 10 }, (_, i) => alert(i, 1, "no_hat")),
        ...Array.from({ length: 10 }, (_, i) => alert(i, 2, "rodent")),
        alert(3, 2, "smoking"),
        alert(4, 2, "smoking"),
      ],
      cases: Array.from({ length: 5 }, () => ({ closed: false, overdue: true })),
      now: NOW,
    });
    expect(r.score).toBe(100);
    expect(r.band).toBe("high");
  });
});
