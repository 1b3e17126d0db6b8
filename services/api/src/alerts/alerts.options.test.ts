import { DEFAULT_GRADE_POLICY, loadConfig } from "@mingfang/core";
import { describe, expect, it } from "vitest";
import { alertsOptions, alertsOptionsFromConfig } from "./alerts.options.js";

describe("alert tunables from the configuration", () => {
  const base = { MINGFANG_SECRET: "s".repeat(32) };

  it("takes the cooldown, the acknowledgement limits per grade and the offline delay", () => {
    const cfg = loadConfig({
      ...base,
      ALERT_COOLDOWN_MINUTES: "0",
      ALERT_ACK_MINUTES: "5,30.5,120",
      CAMERA_OFFLINE_MINUTES: "3",
      ALERT_JOB_LOCK_SECONDS: "5",
    });
    const o = alertsOptions(alertsOptionsFromConfig(cfg));
    expect(o.cooldownMinutes).toBe(0);
    expect(o.cameraOfflineMinutes).toBe(3);
    expect(o.lockDurationMs).toBe(5000);
    expect(o.stalledIntervalMs).toBe(5000);
    expect(o.gradePolicy.ackLimitMinutes).toEqual({ 1: 5, 2: 30.5, 3: 120 });
    // The rest of the grade policy is the default one.
    expect(o.gradePolicy.baseGrade).toEqual(DEFAULT_GRADE_POLICY.baseGrade);
  });

  it("defaults to the documented values", () => {
    const o = alertsOptions(alertsOptionsFromConfig(loadConfig(base)));
    expect(o.cooldownMinutes).toBe(10);
    expect(o.cameraOfflineMinutes).toBe(10);
    expect(o.gradePolicy.ackLimitMinutes).toEqual({ 1: 15, 2: 60, 3: 240 });
  });

  it("refuses limits that are not three numbers, naming the key", () => {
    expect(() => loadConfig({ ...base, ALERT_ACK_MINUTES: "15,60" })).toThrow(/ALERT_ACK_MINUTES/);
    expect(() => loadConfig({ ...base, ALERT_COOLDOWN_MINUTES: "-1" })).toThrow(/ALERT_COOLDOWN_MINUTES/);
  });
});
