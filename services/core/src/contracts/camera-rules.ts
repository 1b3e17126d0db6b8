/**
 * A camera's analysis rules as the console edits them: its working hours (`cameras.schedule`, the shape the
 * analytics worker reads: analytics/src/config.schema.ts ScheduleSchema) and a few per-check overrides
 * (`cameras.analytics.checks.<check>`: threshold, k-of-n persistence, cooldown, on/off). Other keys of
 * `cameras.analytics` (intervals, baselines set by the demo or by hand) are kept as they are.
 */
import { type Static, Type } from "typebox";

const strict = { additionalProperties: false } as const;

/** Checks a zone or an override may name (analytics CHECKS). */
export const ANALYSIS_CHECKS = ["no_hat", "no_gloves", "no_mask", "unclean_area"] as const;
export type AnalysisCheck = (typeof ANALYSIS_CHECKS)[number];
/** Checks whose overrides the rules panel edits: the zone checks and the whole-frame tamper check. */
export const RULE_CHECKS = [...ANALYSIS_CHECKS, "tamper"] as const;
export type RuleCheck = (typeof RULE_CHECKS)[number];
/**
 * Whether a check runs on a camera that says nothing about it (the analytics worker's default; the rules
 * panel shows it for an override left empty). `no_mask` is off unless a camera asks for it: masks are
 * required in some rooms (cold dishes, pastry finishing), not in every workshop.
 */
export const CHECK_ENABLED_BY_DEFAULT: Readonly<Record<RuleCheck, boolean>> = {
  no_hat: true,
  no_gloves: true,
  no_mask: false,
  unclean_area: true,
  tamper: true,
};

const Time = Type.String({
  pattern: "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
  description: "HH:MM, or 24:00",
});

export const CameraSchedule = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
      minItems: 1,
      maxItems: 7,
      uniqueItems: true,
      description: "ISO weekdays, 1 = Monday.",
    }),
    hours: Type.Array(Type.Object({ from: Time, to: Time }, strict), {
      minItems: 1,
      maxItems: 4,
      description: "Local time ranges, `to` exclusive; a range with from > to crosses midnight.",
    }),
  },
  strict,
);
export type CameraSchedule = Static<typeof CameraSchedule>;

/** One check's overrides; null removes an override (the worker's default applies again). */
export const CheckOverrides = Type.Object(
  {
    enabled: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    threshold: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
    persistenceK: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 20 }), Type.Null()])),
    persistenceN: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 20 }), Type.Null()])),
    cooldownS: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 86400 }), Type.Null()])),
  },
  strict,
);
export type CheckOverrides = Static<typeof CheckOverrides>;

export const CameraRulesView = Type.Object({
  cameraId: Type.Integer(),
  /** null: the workshop's working hours (or always, when it has none). */
  schedule: Type.Union([CameraSchedule, Type.Null()]),
  checks: Type.Object({
    no_hat: CheckOverrides,
    no_gloves: CheckOverrides,
    no_mask: CheckOverrides,
    unclean_area: CheckOverrides,
    tamper: CheckOverrides,
  }),
});
export type CameraRulesView = Static<typeof CameraRulesView>;

export const CameraRulesBody = Type.Object(
  {
    schedule: Type.Optional(Type.Union([CameraSchedule, Type.Null()])),
    checks: Type.Optional(
      Type.Object(
        {
          no_hat: Type.Optional(CheckOverrides),
          no_gloves: Type.Optional(CheckOverrides),
          no_mask: Type.Optional(CheckOverrides),
          unclean_area: Type.Optional(CheckOverrides),
          tamper: Type.Optional(CheckOverrides),
        },
        strict,
      ),
    ),
  },
  { ...strict, minProperties: 1 },
);
export type CameraRulesBody = Static<typeof CameraRulesBody>;
