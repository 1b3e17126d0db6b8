/** What a timeline row shows beside its kind and note, read from the event's free-form `data`. */
import type { CaseAttachmentView, CaseEventView } from "@/api/types";

export interface EventDetails {
  outcome?: string;
  rectificationDueAt?: string;
  checkedInAt?: string;
  /** overdue rows: which deadline, and when it was due. */
  deadline?: "dispatch" | "onSite" | "rectification";
  dueAt?: string;
  photo?: CaseAttachmentView;
}

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
const DEADLINES = new Set(["dispatch", "onSite", "rectification"]);

export function eventDetails(e: CaseEventView, attachments: Map<string, CaseAttachmentView>): EventDetails {
  const data = (e.data && typeof e.data === "object" ? e.data : {}) as Record<string, unknown>;
  const out: EventDetails = {};
  const outcome = str(data.outcome);
  if (outcome) out.outcome = outcome;
  const due = str(data.rectificationDueAt);
  if (due && (e.kind === "order_rectification" || e.kind === "return_rectification"))
    out.rectificationDueAt = due;
  const checked = str(data.checkedInAt) ?? str(data.onSiteAt);
  if (checked && e.kind === "check_in") out.checkedInAt = checked;
  const deadline = str(data.deadline);
  if (e.kind === "overdue" && deadline && DEADLINES.has(deadline)) {
    out.deadline = deadline as EventDetails["deadline"];
    out.dueAt = str(data.dueAt);
  }
  const att = str(data.attachmentId);
  if (e.kind === "photo" && att && attachments.has(att)) out.photo = attachments.get(att);
  return out;
}
