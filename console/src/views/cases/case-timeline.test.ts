import { describe, expect, it } from "vitest";
import type { CaseAttachmentView, CaseEventView } from "@/api/types";
import { eventDetails } from "./case-timeline";

const ev = (kind: string, data: unknown): CaseEventView => ({
  id: 1,
  at: "2026-12-07T01:00:00.000Z",
  actorId: 3,
  actorName: "x",
  kind,
  fromState: null,
  toState: null,
  note: null,
  data,
});
const att = { id: "a1", kind: "rectification", url: "/api/cases/c/attachments/a1" } as CaseAttachmentView;

describe("eventDetails", () => {
  it("reads what each kind carries", () => {
    const m = new Map([["a1", att]]);
    expect(eventDetails(ev("close", { outcome: "rectified" }), m)).toEqual({ outcome: "rectified" });
    expect(
      eventDetails(ev("order_rectification", { rectificationDueAt: "2030-01-01T00:00:00Z" }), m),
    ).toEqual({
      rectificationDueAt: "2030-01-01T00:00:00Z",
    });
    expect(eventDetails(ev("check_in", { checkedInAt: "2026-12-07T00:00:00Z" }), m).checkedInAt).toBe(
      "2026-12-07T00:00:00Z",
    );
    expect(eventDetails(ev("overdue", { deadline: "onSite", dueAt: "2026-12-07T00:00:00Z" }), m)).toEqual({
      deadline: "onSite",
      dueAt: "2026-12-07T00:00:00Z",
    });
    expect(eventDetails(ev("photo", { attachmentId: "a1" }), m).photo).toBe(att);
  });
  it("ignores missing or odd data", () => {
    expect(eventDetails(ev("photo", { attachmentId: "gone" }), new Map())).toEqual({});
    expect(eventDetails(ev("note", null), new Map())).toEqual({});
    expect(eventDetails(ev("overdue", { deadline: "nonsense" }), new Map())).toEqual({});
  });
});
