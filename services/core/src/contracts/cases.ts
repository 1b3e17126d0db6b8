/**
 * REST contracts of rapid-response cases, the workshop's file and the ledger (TypeBox). The API validates
 * with them, OpenAPI is generated from them, the console takes its types from them.
 */
import { type Static, Type } from "typebox";
import { CASE_DEADLINES, CASE_OUTCOMES, CASE_STATES, CASE_TRANSITIONS } from "../domain/case-state.js";
import { Id, Pagination } from "./rest.js";

const strict = { additionalProperties: false } as const;
/** A string enum typed as its literals (one JSON-schema `enum`, as OpenAPI shows it best). */
const lits = <T extends readonly string[]>(xs: T) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...xs] });
const DateTime = Type.String({ format: "date-time" });
const NullableDateTime = Type.Union([DateTime, Type.Null()]);
const Uuid = Type.String({ format: "uuid" });
const Note = Type.String({ minLength: 1, maxLength: 2000 });

export const CaseStateSchema = lits(CASE_STATES);
export const CaseOutcomeSchema = lits(CASE_OUTCOMES);
export const CaseTransitionSchema = lits(CASE_TRANSITIONS);
export const CaseIdParams = Type.Object({ id: Uuid }, strict);
export const CaseAttachmentParams = Type.Object({ id: Uuid, attachmentId: Uuid }, strict);

const Deadline = Type.Object({
  dueAt: NullableDateTime,
  doneAt: NullableDateTime,
  status: lits(["none", "pending", "overdue", "met", "late"] as const),
});

export const CaseView = Type.Object({
  id: Uuid,
  code: Type.String({ description: "Human-readable number, e.g. 2026-mingshui-0001." }),
  stationId: Type.Integer(),
  stationName: Type.String(),
  workshopId: Type.Union([Type.Integer(), Type.Null()]),
  workshopName: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  source: lits(["alert", "manual"] as const),
  state: CaseStateSchema,
  stateLabel: Type.String(),
  assignedBrigade: Type.Boolean(),
  outcome: Type.Union([CaseOutcomeSchema, Type.Null()]),
  outcomeLabel: Type.Union([Type.String(), Type.Null()]),
  /** The deadline running now (dispatch, on-site or rectification). */
  deadline: NullableDateTime,
  overdue: Type.Boolean(),
  deadlines: Type.Object(
    Object.fromEntries(CASE_DEADLINES.map((d) => [d, Deadline])) as Record<
      (typeof CASE_DEADLINES)[number],
      typeof Deadline
    >,
  ),
  alertIds: Type.Array(Uuid),
  /** What the signed-in user may do next. */
  transitions: Type.Array(CaseTransitionSchema),
  /** The outcomes the signed-in user may close the case with now (empty when it may not close it). */
  closeOutcomes: Type.Array(CaseOutcomeSchema),
  openedBy: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: DateTime,
  updatedAt: DateTime,
  rectificationOrderedAt: NullableDateTime,
  reviewedAt: NullableDateTime,
  closedAt: NullableDateTime,
});
export type CaseView = Static<typeof CaseView>;

export const CaseEventView = Type.Object({
  id: Type.Integer(),
  at: DateTime,
  actorId: Type.Union([Type.Integer(), Type.Null()]),
  actorName: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  fromState: Type.Union([Type.String(), Type.Null()]),
  toState: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  data: Type.Unknown(),
});
export type CaseEventView = Static<typeof CaseEventView>;

export const CaseAttachmentView = Type.Object({
  id: Uuid,
  kind: lits(["rectification", "on_site", "other"] as const),
  mime: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  fileName: Type.Union([Type.String(), Type.Null()]),
  uploadedBy: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: DateTime,
  url: Type.String(),
});
export type CaseAttachmentView = Static<typeof CaseAttachmentView>;

export const CaseDetailView = Type.Object({
  ...CaseView.properties,
  timeline: Type.Array(CaseEventView),
  attachments: Type.Array(CaseAttachmentView),
});
export type CaseDetailView = Static<typeof CaseDetailView>;

export const CaseCreateBody = Type.Object(
  {
    alertIds: Type.Optional(
      Type.Array(Uuid, {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
        description: "Alerts of one station.",
      }),
    ),
    stationId: Type.Optional(Id),
    workshopId: Type.Optional(Id),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    assignBrigade: Type.Optional(
      Type.Boolean({ description: "Enforcement needed: hand to the brigade now." }),
    ),
    dispatchDueAt: Type.Optional(DateTime),
    note: Type.Optional(Note),
  },
  strict,
);
export type CaseCreateBody = Static<typeof CaseCreateBody>;

export const CaseTransitionBody = Type.Object(
  {
    transition: CaseTransitionSchema,
    note: Type.Optional(Note),
    /** order_rectification / return_rectification: the deadline given to the workshop. */
    rectificationDueAt: Type.Optional(DateTime),
    /** dispatch: when the team must be on site (default CASE_ONSITE_HOURS from now). */
    onSiteDueAt: Type.Optional(DateTime),
    /** check_in: when the team arrived (default now; not in the future). */
    checkedInAt: Type.Optional(DateTime),
    /** close */
    outcome: Type.Optional(CaseOutcomeSchema),
  },
  strict,
);
export type CaseTransitionBody = Static<typeof CaseTransitionBody>;

export const CaseAssignBody = Type.Object(
  {
    brigade: Type.Boolean({ description: "true: hand to the enforcement brigade; false: take back." }),
    note: Type.Optional(Note),
  },
  strict,
);
export type CaseAssignBody = Static<typeof CaseAssignBody>;

export const CaseNoteBody = Type.Object({ note: Note }, strict);
export type CaseNoteBody = Static<typeof CaseNoteBody>;

export const CaseListQuery = Type.Object(
  {
    ...Pagination,
    state: Type.Optional(CaseStateSchema),
    /** true: only cases with a deadline past and not met; false: only the others. */
    overdue: Type.Optional(Type.Boolean()),
    stationId: Type.Optional(Id),
    workshopId: Type.Optional(Id),
    brigade: Type.Optional(Type.Boolean()),
    open: Type.Optional(Type.Boolean({ description: "true: not closed; false: closed." })),
  },
  strict,
);
export type CaseListQuery = Static<typeof CaseListQuery>;

// ---- the workshop's file and the ledger ----

export const WorkshopFileQuery = Type.Object(
  {
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
  },
  strict,
);
export type WorkshopFileQuery = Static<typeof WorkshopFileQuery>;

export const RiskScoreView = Type.Object({
  score: Type.Number(),
  band: lits(["high", "medium", "low"] as const),
  bandLabel: Type.String(),
  parts: Type.Array(
    Type.Object({ key: Type.String(), label: Type.String(), points: Type.Number(), max: Type.Number() }),
  ),
});

export const FileAlertView = Type.Object({
  id: Uuid,
  type: Type.String(),
  typeLabel: Type.String(),
  grade: Type.Integer(),
  status: Type.String(),
  cameraId: Type.Integer(),
  capturedAt: DateTime,
  caseId: Type.Union([Uuid, Type.Null()]),
});

export const WorkshopFileView = Type.Object({
  workshop: Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    licenceNo: Type.String(),
    address: Type.String(),
    category: Type.String(),
    riskLevel: Type.String(),
    coldChain: Type.Boolean(),
    stationId: Type.Integer(),
    stationName: Type.String(),
  }),
  period: Type.Object({ from: DateTime, to: DateTime }),
  risk: RiskScoreView,
  totals: Type.Object({
    alerts: Type.Integer(),
    falsePositives: Type.Integer(),
    cases: Type.Integer(),
    openCases: Type.Integer(),
    overdueCases: Type.Integer(),
  }),
  byMonth: Type.Array(
    Type.Object({
      month: Type.String({ description: "YYYY-MM (Asia/Shanghai)" }),
      alerts: Type.Integer(),
      falsePositives: Type.Integer(),
      cases: Type.Integer(),
    }),
  ),
  byType: Type.Array(
    Type.Object({
      type: Type.String(),
      label: Type.String(),
      alerts: Type.Integer(),
      falsePositives: Type.Integer(),
    }),
  ),
  alerts: Type.Array(FileAlertView, { description: "The latest 200 alerts of the period." }),
  cases: Type.Array(CaseView),
});
export type WorkshopFileView = Static<typeof WorkshopFileView>;

export const LedgerQuery = Type.Object(
  {
    stationId: Type.Optional(Id),
    from: DateTime,
    to: DateTime,
  },
  strict,
);
export type LedgerQuery = Static<typeof LedgerQuery>;
