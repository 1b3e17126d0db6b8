/**
 * The plan's other targets as data (章市监管发〔2022〕9号, Annex 1): a workshop's demonstration title
 * (示范小作坊 / 出彩小作坊) and its upgrade to an enterprise (转企升级), and the industry-association
 * activities (协会活动) a station organises. Station-scoped and audited in the API; the dashboard counts them.
 */
import { type Static, Type } from "typebox";
import { Id, Pagination } from "./rest.js";

const strict = { additionalProperties: false } as const;
const Day = Type.String({ format: "date", description: "A calendar day, YYYY-MM-DD (Asia/Shanghai)." });
const Text = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });

/** 示范小作坊 (demonstration) or 出彩小作坊 (outstanding: the plan's higher title). */
export const DEMONSTRATION_LEVELS = ["demonstration", "outstanding"] as const;
export type DemonstrationLevel = (typeof DEMONSTRATION_LEVELS)[number];
export const DemonstrationLevelSchema = Type.Union([
  Type.Literal("demonstration"),
  Type.Literal("outstanding"),
]);

/** `PUT /api/workshops/:id/demonstration`: the workshop is (now) a demonstration workshop. */
export const DemonstrationBody = Type.Object(
  {
    level: DemonstrationLevelSchema,
    awardedOn: Day,
    /** The decision's reference (文号), e.g. 章市监管字〔2022〕15号. */
    decisionRef: Text(120),
  },
  strict,
);
export type DemonstrationBody = Static<typeof DemonstrationBody>;

/** `PUT /api/workshops/:id/upgrade`: the workshop became an enterprise (转企升级). */
export const UpgradeBody = Type.Object(
  {
    upgradedOn: Day,
    /** The enterprise's new licence (食品生产许可证 SC…), replacing the small-workshop registration. */
    licenceNo: Text(64),
  },
  strict,
);
export type UpgradeBody = Static<typeof UpgradeBody>;

/** A workshop's standing in the plan, part of the workshop's file and of `GET /api/workshops/:id/plan`. */
export const WorkshopPlanView = Type.Object({
  workshopId: Type.Integer(),
  demonstration: Type.Union([
    Type.Object({ level: DemonstrationLevelSchema, awardedOn: Day, decisionRef: Type.String() }),
    Type.Null(),
  ]),
  upgrade: Type.Union([Type.Object({ upgradedOn: Day, licenceNo: Type.String() }), Type.Null()]),
});
export type WorkshopPlanView = Static<typeof WorkshopPlanView>;

/** `POST /api/activities` (station staff of the station, or the bureau). */
export const ActivityBody = Type.Object(
  {
    stationId: Id,
    heldOn: Day,
    title: Text(200),
    /** Participants (workshops' people, association members), a count. */
    participants: Type.Integer({ minimum: 1, maximum: 100000 }),
    summary: Type.Optional(Text(2000, 0)),
  },
  strict,
);
export type ActivityBody = Static<typeof ActivityBody>;

export const ActivityUpdateBody = Type.Partial(Type.Omit(ActivityBody, ["stationId"]), strict);
export type ActivityUpdateBody = Static<typeof ActivityUpdateBody>;

export const ActivityPhotoView = Type.Object({
  id: Type.String({ format: "uuid" }),
  mime: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  /** Same-origin URL of the photo (behind the session and the station's scope). */
  url: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
});
export type ActivityPhotoView = Static<typeof ActivityPhotoView>;

export const ActivityView = Type.Object({
  id: Type.Integer(),
  stationId: Type.Integer(),
  stationName: Type.String(),
  heldOn: Day,
  title: Type.String(),
  participants: Type.Integer(),
  summary: Type.String(),
  photos: Type.Array(ActivityPhotoView),
  createdAt: Type.String({ format: "date-time" }),
});
export type ActivityView = Static<typeof ActivityView>;

export const ActivityListQuery = Type.Object(
  {
    ...Pagination,
    stationId: Type.Optional(Id),
    from: Type.Optional(Day),
    to: Type.Optional(Day),
  },
  strict,
);
export type ActivityListQuery = Static<typeof ActivityListQuery>;
