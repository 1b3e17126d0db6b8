import { describe, expect, it } from "vitest";
import type { Role } from "@/api/types";
import { caseActions, closeOutcomes, missingFields, transitionBody, transitionForm } from "./case-actions";

type C = Parameters<typeof caseActions>[0];
const c = (over: Partial<C>): C => ({ state: "open", assignedBrigade: false, transitions: [], ...over });

describe("caseActions: the buttons are exactly the API's transitions", () => {
  it("keeps the API's list, in the state machine's order, whatever the role", () => {
    const roles: Role[] = ["duty_officer", "station_staff", "brigade_officer", "bureau_admin"];
    for (const role of roles) {
      const a = caseActions(c({ state: "rectified", transitions: ["review", "return_rectification"] }), role);
      expect(a.transitions.map((f) => f.transition)).toEqual(["return_rectification", "review"]);
    }
    expect(caseActions(c({ transitions: [] }), "duty_officer").transitions).toEqual([]);
  });

  it("hands to the brigade: station and bureau only, not when closed; take back when assigned", () => {
    expect(caseActions(c({}), "duty_officer").assign).toBe("hand");
    expect(caseActions(c({}), "station_staff").assign).toBe("hand");
    expect(caseActions(c({}), "bureau_admin").assign).toBe("hand");
    expect(caseActions(c({ assignedBrigade: true }), "station_staff").assign).toBe("take_back");
    expect(caseActions(c({ assignedBrigade: true }), "brigade_officer").assign).toBeNull();
    expect(caseActions(c({ state: "closed" }), "duty_officer").assign).toBeNull();
  });

  it("notes and photos: whoever works the case, the brigade only on its cases, none when closed", () => {
    expect(caseActions(c({}), "station_staff")).toMatchObject({ note: true, upload: true });
    expect(caseActions(c({}), "brigade_officer")).toMatchObject({ note: false, upload: false });
    expect(caseActions(c({ assignedBrigade: true }), "brigade_officer")).toMatchObject({
      note: true,
      upload: true,
    });
    expect(caseActions(c({ state: "closed" }), "bureau_admin")).toMatchObject({ note: false, upload: false });
    expect(caseActions(c({}), null)).toMatchObject({ note: false, upload: false, assign: null });
  });
});

describe("transition forms", () => {
  it("asks each transition for what it needs", () => {
    expect(transitionForm("close")).toMatchObject({ outcome: true, note: "optional" });
    expect(transitionForm("review")).toMatchObject({ note: "required", outcome: false });
    expect(transitionForm("return_rectification")).toMatchObject({
      note: "required",
      rectificationDueAt: true,
    });
    expect(transitionForm("order_rectification")).toMatchObject({
      rectificationDueAt: true,
      note: "optional",
    });
    expect(transitionForm("check_in")).toMatchObject({ checkedInAt: true });
    expect(transitionForm("submit_rectification").needsRectificationPhoto).toBe(true);
  });

  it("builds the body with only the transition's fields, dates as ISO", () => {
    const due = "2030-01-02T03:04:05.000Z";
    expect(
      transitionBody(transitionForm("order_rectification"), {
        note: "  fix it  ",
        rectificationDueAt: due,
        outcome: "rectified",
        checkedInAt: due,
      }),
    ).toEqual({ transition: "order_rectification", note: "fix it", rectificationDueAt: due });
    expect(transitionBody(transitionForm("close"), { note: " ", outcome: "false_alarm" })).toEqual({
      transition: "close",
      outcome: "false_alarm",
    });
    expect(transitionBody(transitionForm("check_in"), { checkedInAt: due })).toEqual({
      transition: "check_in",
      checkedInAt: due,
    });
  });

  it("names what is missing", () => {
    expect(missingFields(transitionForm("review"), { note: "" })).toEqual(["note"]);
    expect(missingFields(transitionForm("close"), {})).toEqual(["outcome"]);
    expect(missingFields(transitionForm("return_rectification"), { note: "x" })).toEqual([
      "rectificationDueAt",
    ]);
    expect(missingFields(transitionForm("dispatch"), {})).toEqual([]);
  });
});

describe("closeOutcomes", () => {
  it("offers what the API lists for the viewer, nothing more", () => {
    expect(closeOutcomes({ closeOutcomes: ["false_alarm", "transferred"] })).toEqual([
      "false_alarm",
      "transferred",
    ]);
    expect(closeOutcomes({ closeOutcomes: [] })).toEqual([]);
  });
});
