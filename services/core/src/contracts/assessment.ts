/**
 * The year-end assessment (年终考核): `GET /api/assessment/:year` and its workbook
 * (`GET /api/assessment/:year/workbook.xlsx`). Per station and for the district, the year's ledger: the
 * plan's four targets against what is achieved, alerts by type and by month, time to acknowledge, cases and
 * their outcomes, camera uptime in working hours. The year runs 1 January – 31 December, or up to today for
 * the current year. Definitions in docs/assessment.md (the dashboard's where they are the same).
 *
 * Scope as the dashboard's (`dashboard.read`): the bureau and the brigade see every station (or one with
 * `stationId`); a station's user its own station, with the district beside it.
 */
import { type Static, type TSchema, Type } from "typebox";
import { PlanTargets } from "./dashboard.js";
import { Id } from "./rest.js";

const strict = { additionalProperties: false } as const;
const Day = Type.String({ format: "date", description: "A calendar day, YYYY-MM-DD (Asia/Shanghai)." });
const Count = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Ratio = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
const Seconds = Nullable(Type.Number({ minimum: 0 }));

/** The first year the platform can be assessed for; the last is the current year. */
export const ASSESSMENT_FIRST_YEAR = 2020;

export const AssessmentParams = Type.Object(
  { year: Type.Integer({ description: `${ASSESSMENT_FIRST_YEAR} to the current year` }) },
  strict,
);
export type AssessmentParams = Static<typeof AssessmentParams>;

export const AssessmentQuery = Type.Object(
  {
    /** One station only (the bureau, the brigade); a station's user gets its own station anyway. */
    stationId: Type.Optional(Id),
  },
  strict,
);
export type AssessmentQuery = Static<typeof AssessmentQuery>;

/** Closed cases by outcome (the case model's five outcomes); they add up to `closed`. */
export const CaseOutcomeCounts = Type.Object({
  violation_confirmed: Count,
  false_alarm: Count,
  rectified: Count,
  penalised: Count,
  transferred: Count,
});
export type CaseOutcomeCounts = Static<typeof CaseOutcomeCounts>;
export const CASE_OUTCOME_KEYS = [
  "violation_confirmed",
  "rectified",
  "penalised",
  "transferred",
  "false_alarm",
] as const;

/** The year's figures of one station, or of the district. */
export const AssessmentFigures = Type.Object({
  targets: PlanTargets,
  cameras: Type.Object({
    total: Count,
    /** Online share of the cameras' working hours over the year (up to now); null without history. */
    uptime: Ratio,
  }),
  alerts: Type.Object({
    total: Count,
    /** Most frequent first. */
    byType: Type.Array(Type.Object({ type: Type.String(), count: Count })),
    /** Each month of the period (YYYY-MM), zeros included. */
    byMonth: Type.Array(Type.Object({ month: Type.String(), count: Count })),
    ackMedianSeconds: Seconds,
    ackP90Seconds: Seconds,
  }),
  cases: Type.Object({
    /** Opened in the year. */
    opened: Count,
    /** Of those opened, closed now. */
    closed: Count,
    closureRate: Ratio,
    /** Open now and past their deadline. */
    overdue: Count,
    /** The closed ones by outcome. */
    outcomes: CaseOutcomeCounts,
  }),
});
export type AssessmentFigures = Static<typeof AssessmentFigures>;

export const AssessmentStation = Type.Object({
  stationId: Type.Integer(),
  stationName: Type.String(),
  figures: AssessmentFigures,
});
export type AssessmentStation = Static<typeof AssessmentStation>;

export const AssessmentView = Type.Object({
  year: Type.Integer(),
  period: Type.Object({ from: Day, to: Day }),
  /** False for the current year (the period ends today). */
  complete: Type.Boolean(),
  /** The district's figures (every station), also for a station's user: to compare against. */
  district: AssessmentFigures,
  /** Every station the user may see (or the one asked for), in Annex 1's order. */
  stations: Type.Array(AssessmentStation),
  generatedAt: Type.String({ format: "date-time" }),
});
export type AssessmentView = Static<typeof AssessmentView>;
