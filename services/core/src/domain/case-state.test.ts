import { describe, expect, it } from "vitest";
import {
  availableTransitions,
  type CaseFacts,
  type CaseState,
  type CaseTransition,
  caseDeadlines,
  closeOutcomes,
  deadlineStatus,
  decide,
  isOverdue,
  mayAssignBrigade,
  type TransitionInput,
} from "./case-state.js";
import type { Role } from "./vocabulary.js";

const NOW = new Date("2026-06-01T08:00:00Z");
const LATER = new Date("2026-06-08T08:00:00Z");
const EARLIER = new Date("2026-05-30T08:00:00Z");

const facts = (state: CaseState, extra: Partial<CaseFacts> = {}): CaseFacts => ({
  state,
  assignedBrigade: false,
  rectificationPhotos: 0,
  ...extra,
});

type Row = [
  label: string,
  role: Role,
  facts: CaseFacts,
  input: TransitionInput,
  expected: CaseState | "forbidden" | "invalid_transition" | `validation_failed:${string}`,
];

const t = (transition: CaseTransition, extra: Omit<TransitionInput, "transition"> = {}): TransitionInput => ({
  transition,
  ...extra,
});

const TABLE: Row[] = [
  // the happy path, step by step
  ["duty dispatches an open case", "duty_officer", facts("open"), t("dispatch"), "dispatched"],
  ["staff dispatches", "station_staff", facts("open"), t("dispatch"), "dispatched"],
  ["admin dispatches", "bureau_admin", facts("open"), t("dispatch"), "dispatched"],
  ["staff checks in", "station_staff", facts("dispatched"), t("check_in"), "on_site"],
  [
    "staff orders rectification",
    "station_staff",
    facts("on_site"),
    t("order_rectification", { rectificationDueAt: LATER }),
    "rectification_ordered",
  ],
  [
    "rectification submitted with photos",
    "station_staff",
    facts("rectification_ordered", { rectificationPhotos: 2 }),
    t("submit_rectification"),
    "rectified",
  ],
  ["duty reviews", "duty_officer", facts("rectified"), t("review", { note: "复核合格" }), "reviewed"],
  [
    "duty closes reviewed as rectified",
    "duty_officer",
    facts("reviewed"),
    t("close", { outcome: "rectified" }),
    "closed",
  ],
  [
    "review sends it back",
    "duty_officer",
    facts("rectified"),
    t("return_rectification", { rectificationDueAt: LATER, note: "地面仍有污渍" }),
    "rectification_ordered",
  ],
  // early closure
  ["false alarm from open", "duty_officer", facts("open"), t("close", { outcome: "false_alarm" }), "closed"],
  [
    "transfer from on_site",
    "bureau_admin",
    facts("on_site"),
    t("close", { outcome: "transferred" }),
    "closed",
  ],
  [
    "no confirmed violation before review",
    "duty_officer",
    facts("on_site"),
    t("close", { outcome: "violation_confirmed" }),
    "validation_failed:outcome",
  ],
  [
    "no false alarm after review",
    "duty_officer",
    facts("reviewed"),
    t("close", { outcome: "false_alarm" }),
    "validation_failed:outcome",
  ],
  ["close needs an outcome", "duty_officer", facts("open"), t("close"), "validation_failed:outcome"],
  // the brigade
  ["brigade off its cases", "brigade_officer", facts("dispatched"), t("check_in"), "forbidden"],
  [
    "brigade on its case checks in",
    "brigade_officer",
    facts("dispatched", { assignedBrigade: true }),
    t("check_in"),
    "on_site",
  ],
  [
    "brigade never dispatches",
    "brigade_officer",
    facts("open", { assignedBrigade: true }),
    t("dispatch"),
    "forbidden",
  ],
  [
    "brigade closes with a penalty",
    "brigade_officer",
    facts("reviewed", { assignedBrigade: true }),
    t("close", { outcome: "penalised" }),
    "closed",
  ],
  [
    "a penalty needs the brigade",
    "bureau_admin",
    facts("reviewed"),
    t("close", { outcome: "penalised" }),
    "validation_failed:outcome",
  ],
  [
    "the duty officer does not penalise",
    "duty_officer",
    facts("reviewed", { assignedBrigade: true }),
    t("close", { outcome: "penalised" }),
    "forbidden",
  ],
  // roles
  ["staff does not review", "station_staff", facts("rectified"), t("review", { note: "x" }), "forbidden"],
  [
    "staff does not close",
    "station_staff",
    facts("open"),
    t("close", { outcome: "false_alarm" }),
    "forbidden",
  ],
  // states
  ["no skipping to on_site", "duty_officer", facts("open"), t("check_in"), "invalid_transition"],
  [
    "closed is final",
    "bureau_admin",
    facts("closed"),
    t("close", { outcome: "rectified" }),
    "invalid_transition",
  ],
  ["no dispatch twice", "duty_officer", facts("dispatched"), t("dispatch"), "invalid_transition"],
  [
    "no review before rectified",
    "duty_officer",
    facts("rectification_ordered"),
    t("review", { note: "x" }),
    "invalid_transition",
  ],
  // data
  [
    "rectification needs a deadline",
    "duty_officer",
    facts("on_site"),
    t("order_rectification"),
    "validation_failed:rectificationDueAt",
  ],
  [
    "deadline in the past",
    "duty_officer",
    facts("on_site"),
    t("order_rectification", { rectificationDueAt: EARLIER }),
    "validation_failed:rectificationDueAt",
  ],
  [
    "rectified needs photos",
    "duty_officer",
    facts("rectification_ordered"),
    t("submit_rectification"),
    "validation_failed:photos",
  ],
  ["review needs a note", "duty_officer", facts("rectified"), t("review"), "validation_failed:note"],
  [
    "sending back needs a note",
    "duty_officer",
    facts("rectified"),
    t("return_rectification", { rectificationDueAt: LATER }),
    "validation_failed:note",
  ],
];

describe("case state machine", () => {
  it.each(TABLE)("%s", (_label, role, f, input, expected) => {
    const d = decide(role, f, input, NOW);
    if (d.ok) expect(d.to).toBe(expected);
    else if (d.code === "validation_failed") expect(`${d.code}:${d.field}`).toBe(expected);
    else expect(d.code).toBe(expected);
  });

  it("offers only the transitions a role can take from a state", () => {
    expect(availableTransitions("duty_officer", { state: "open", assignedBrigade: false })).toEqual([
      "dispatch",
      "close",
    ]);
    expect(availableTransitions("station_staff", { state: "rectified", assignedBrigade: false })).toEqual([
      "return_rectification",
    ]);
    expect(availableTransitions("brigade_officer", { state: "dispatched", assignedBrigade: false })).toEqual(
      [],
    );
    expect(availableTransitions("brigade_officer", { state: "dispatched", assignedBrigade: true })).toEqual([
      "check_in",
      "close",
    ]);
    expect(availableTransitions("bureau_admin", { state: "closed", assignedBrigade: true })).toEqual([]);
  });

  it("lets the station and the bureau hand an open case to the brigade", () => {
    expect(mayAssignBrigade("duty_officer", "on_site")).toBe(true);
    expect(mayAssignBrigade("bureau_admin", "open")).toBe(true);
    expect(mayAssignBrigade("brigade_officer", "open")).toBe(false);
    expect(mayAssignBrigade("duty_officer", "closed")).toBe(false);
  });
});

describe("deadlines", () => {
  const h = (n: number) => new Date(NOW.getTime() + n * 3600_000);

  it.each([
    ["no due time", null, null, "none"],
    ["due later, not done", h(1), null, "pending"],
    ["past due, not done", h(-1), null, "overdue"],
    ["done in time", h(1), h(-2), "met"],
    ["done on the minute", h(0), h(0), "met"],
    ["done late", h(-3), h(-1), "late"],
  ] as const)("%s", (_l, due, done, expected) => {
    expect(deadlineStatus(due, done, NOW)).toBe(expected);
  });

  it("flags each deadline of a case and the case as overdue", () => {
    const times = {
      dispatchDueAt: h(-10),
      dispatchedAt: h(-8), // late
      onSiteDueAt: h(-5),
      onSiteAt: h(-6), // met
      rectificationDueAt: h(-1),
      rectifiedAt: null, // overdue
    };
    const d = caseDeadlines(times, "rectification_ordered", NOW);
    expect(d.dispatch.status).toBe("late");
    expect(d.onSite.status).toBe("met");
    expect(d.rectification.status).toBe("overdue");
    expect(isOverdue(times, "rectification_ordered", NOW)).toBe(true);
    expect(isOverdue({ ...times, rectificationDueAt: h(24) }, "rectification_ordered", NOW)).toBe(false);
    // A closed case has nothing pending any more.
    expect(isOverdue(times, "closed", NOW)).toBe(false);
    expect(caseDeadlines(times, "closed", NOW).dispatch.status).toBe("late");
  });
});

describe("closeOutcomes (what the console offers)", () => {
  it.each([
    ["duty_officer", "open", false, ["false_alarm", "transferred"]],
    ["duty_officer", "reviewed", false, ["violation_confirmed", "rectified", "transferred"]],
    ["duty_officer", "reviewed", true, ["violation_confirmed", "rectified", "transferred"]],
    ["brigade_officer", "reviewed", true, ["violation_confirmed", "rectified", "penalised", "transferred"]],
    ["brigade_officer", "reviewed", false, []],
    ["bureau_admin", "reviewed", true, ["violation_confirmed", "rectified", "penalised", "transferred"]],
    ["station_staff", "reviewed", false, []],
    ["duty_officer", "rectified", false, []],
    ["duty_officer", "closed", false, []],
  ] as const)("%s on a %s case (brigade: %s): %j", (role, state, assignedBrigade, expected) => {
    expect(closeOutcomes(role, { state, assignedBrigade })).toEqual(expected);
  });

  it("offers only outcomes decide() accepts", () => {
    const now = new Date();
    for (const role of ["duty_officer", "brigade_officer", "bureau_admin"] as const)
      for (const state of ["open", "dispatched", "on_site", "reviewed"] as const)
        for (const assignedBrigade of [false, true])
          for (const outcome of closeOutcomes(role, { state, assignedBrigade }))
            expect(
              decide(
                role,
                { state, assignedBrigade, rectificationPhotos: 0 },
                { transition: "close", outcome },
                now,
              ).ok,
            ).toBe(true);
  });
});
