import { describe, expect, it } from "vitest";
import type { ActivityView } from "@/api/plan";
import { activityBody, activityForm, activityProblem } from "./activity-form";

describe("activity form", () => {
  const now = new Date("2026-12-06T17:30:00.000Z"); // 01:30 on 7 December in Beijing

  it("a new activity is of the user's station, held today (Beijing)", () => {
    expect(activityForm(null, 3, now)).toMatchObject({ stationId: 3, heldOn: "2026-12-07", title: "" });
  });

  it("an activity being edited fills the form", () => {
    const a = { id: 1, stationId: 2, heldOn: "2026-11-02", title: "培训", participants: 30, summary: "x" };
    expect(activityForm(a as ActivityView, 3, now)).toEqual({
      stationId: 2,
      heldOn: "2026-11-02",
      title: "培训",
      participants: 30,
      summary: "x",
    });
  });

  it("names the first problem, and trims what it sends", () => {
    const f = activityForm(null, null, now);
    expect(activityProblem(f)).toBe("stationRequired");
    f.stationId = 1;
    expect(activityProblem(f)).toBe("titleRequired");
    f.title = "  食品安全培训 ";
    f.participants = 0;
    expect(activityProblem(f)).toBe("participantsInvalid");
    f.participants = 25;
    expect(activityProblem(f)).toBeNull();
    expect(activityBody(f)).toEqual({
      stationId: 1,
      heldOn: "2026-12-07",
      title: "食品安全培训",
      participants: 25,
      summary: "",
    });
  });
});
