/**
 * The bureau's dashboard (监管看板): `GET /api/dashboard`. The plan's four targets per station (achieved vs
 * target), and over a period the figures of supervision: cameras live and their uptime in working hours,
 * alerts by type and by day, time to acknowledge, cases and their closure, workshops by risk level.
 *
 * Scope: the bureau and the brigade see every station; a station's user sees its own station's row and
 * the district's summary (its station against the district), never another station's row.
 */
import { type Static, type TSchema, Type } from "typebox";
import { Id } from "./rest.js";

const strict = { additionalProperties: false } as const;
const Day = Type.String({ format: "date", description: "A calendar day, YYYY-MM-DD (Asia/Shanghai)." });
const Count = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** A share from 0 to 1; null when there is nothing to divide (no working hours, no case). */
const Ratio = Nullable(Type.Number({ minimum: 0, maximum: 1 }));

export const DashboardQuery = Type.Object(
  {
    /** First day of the period (default: 1 January of `to`'s year: this year when `to` is not given). */
    from: Type.Optional(Day),
    /** Last day of the period, included (default: today). The period is at most 366 days, `from` and `to` included. */
    to: Type.Optional(Day),
    /** The summary of one station (default: the user's station, or the district). */
    stationId: Type.Optional(Id),
  },
  strict,
);
export type DashboardQuery = Static<typeof DashboardQuery>;

export const TargetProgress = Type.Object({ target: Count, achieved: Count });
export type TargetProgress = Static<typeof TargetProgress>;

/** Annex 1's four targets. Achieved: counted from the data as it is now (not limited to the period). */
export const PlanTargets = Type.Object({
  demonstrationWorkshops: TargetProgress,
  upgradedToEnterprises: TargetProgress,
  videoSupervisionPilots: TargetProgress,
  industryAssociationActivities: TargetProgress,
});
export type PlanTargets = Static<typeof PlanTargets>;
export const PLAN_TARGET_KEYS = [
  "demonstrationWorkshops",
  "upgradedToEnterprises",
  "videoSupervisionPilots",
  "industryAssociationActivities",
] as const;

/** One station's row of the Annex 1 table, with its supervision figures over the period. */
export const StationFigures = Type.Object({
  stationId: Type.Integer(),
  stationName: Type.String(),
  targets: PlanTargets,
  camerasTotal: Count,
  camerasLive: Count,
  /** Share of the cameras' working hours in the period during which they were online. */
  uptime: Ratio,
  alerts: Count,
  casesOpened: Count,
  casesClosed: Count,
  casesOverdue: Count,
});
export type StationFigures = Static<typeof StationFigures>;

/** The figures of a selection (one station, or the district) over the period. */
export const DashboardSummary = Type.Object({
  targets: PlanTargets,
  cameras: Type.Object({ total: Count, live: Count, uptime: Ratio }),
  alerts: Type.Object({
    total: Count,
    byType: Type.Array(Type.Object({ type: Type.String(), count: Count })),
    /** Every day of the period, zeros included, oldest first. */
    byDay: Type.Array(Type.Object({ day: Day, count: Count })),
    /** Seconds from an alert to its acknowledgement (acknowledged alerts of the period). */
    ackMedianSeconds: Nullable(Type.Number({ minimum: 0 })),
    ackP90Seconds: Nullable(Type.Number({ minimum: 0 })),
  }),
  cases: Type.Object({
    opened: Count,
    closed: Count,
    /** Open now and past their deadline. */
    overdue: Count,
    /** Closed of opened, for the cases opened in the period. */
    closureRate: Ratio,
  }),
  workshopsByRisk: Type.Object({ high: Count, medium: Count, low: Count }),
});
export type DashboardSummary = Static<typeof DashboardSummary>;

export const DashboardView = Type.Object({
  period: Type.Object({ from: Day, to: Day }),
  /** The station the summary is of; null: the district. */
  stationId: Nullable(Type.Integer()),
  summary: DashboardSummary,
  /** The district's summary when `summary` is one station's (to compare against); else null. */
  district: Nullable(DashboardSummary),
  /** The Annex 1 table: every station the user may see, in Annex 1's order. */
  stations: Type.Array(StationFigures),
  generatedAt: Type.String({ format: "date-time" }),
});
export type DashboardView = Static<typeof DashboardView>;
