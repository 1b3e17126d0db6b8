/**
 * The public transparent-supervision pages (透明化监管示范): what anyone may read without an account
 * (`/api/public/*`), the feedback citizens leave there, and the station's inbox of that feedback.
 *
 * The public views carry only the site's id and its public cameras' ids: no person's name, no evidence,
 * no case or alert ids, no contact data.
 */
import { type Static, type TSchema, Type } from "typebox";
import { Id, Pagination } from "./rest.js";

const strict = { additionalProperties: false } as const;
const DateTime = Type.String({ format: "date-time" });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const PUBLIC_FEEDBACK_KINDS = ["praise", "suggestion", "complaint"] as const;
export type PublicFeedbackKind = (typeof PUBLIC_FEEDBACK_KINDS)[number];
export const PublicFeedbackKindSchema = Type.Union([
  Type.Literal("praise"),
  Type.Literal("suggestion"),
  Type.Literal("complaint"),
]);
export const PUBLIC_FEEDBACK_STATUSES = ["open", "answered", "closed"] as const;
export type PublicFeedbackStatus = (typeof PUBLIC_FEEDBACK_STATUSES)[number];
export const PublicFeedbackStatusSchema = Type.Union([
  Type.Literal("open"),
  Type.Literal("answered"),
  Type.Literal("closed"),
]);

/** Length limits of a message (characters). */
export const PUBLIC_FEEDBACK_LIMITS = { bodyMin: 5, bodyMax: 500, contactMax: 64, replyMax: 500 } as const;

export const PublicCamera = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  area: Type.String(),
  /** `/public/hls/<id>/index.m3u8`: no token, no sign-in. */
  hls: Type.String(),
});
export type PublicCamera = Static<typeof PublicCamera>;

/** One entry of `GET /api/public/sites`. */
export const PublicSiteSummary = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  category: Type.String(),
  stationName: Type.String(),
  address: Type.String(),
  licenceNo: Type.String(),
  /** 示范小作坊 / 出彩小作坊, when the workshop holds the title. */
  demonstration: Nullable(Type.Union([Type.Literal("demonstration"), Type.Literal("outstanding")])),
  /** The first public camera: the list's cover video. */
  cover: Nullable(PublicCamera),
});
export type PublicSiteSummary = Static<typeof PublicSiteSummary>;

export const PublicSiteList = Type.Object({ items: Type.Array(PublicSiteSummary) });
export type PublicSiteList = Static<typeof PublicSiteList>;

/** `GET /api/public/sites/:id`: the site's card (亮证经营), its record and its live cameras. */
export const PublicSiteDetail = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  category: Type.String(),
  stationName: Type.String(),
  address: Type.String(),
  licenceNo: Type.String(),
  demonstration: Nullable(Type.Union([Type.Literal("demonstration"), Type.Literal("outstanding")])),
  cameras: Type.Array(PublicCamera),
  /**
   * Whole days since the last confirmed violation (docs/public.md defines "confirmed"); null when none is
   * on record.
   */
  daysSinceViolation: Nullable(Type.Integer({ minimum: 0 })),
  /** The latest closed rectification: what was fixed and when (no people, no case ids). */
  lastRectification: Nullable(
    Type.Object({
      /** What was found and fixed: the violation types when the case came from alerts. */
      violations: Type.Array(Type.String()),
      /** The case's title (for a case opened by hand, the only description). */
      title: Type.String(),
      rectifiedAt: DateTime,
      closedAt: DateTime,
    }),
  ),
});
export type PublicSiteDetail = Static<typeof PublicSiteDetail>;

/** `POST /api/public/sites/:id/feedback` (no account). */
export const PublicFeedbackBody = Type.Object(
  {
    kind: PublicFeedbackKindSchema,
    body: Type.String({
      minLength: PUBLIC_FEEDBACK_LIMITS.bodyMin,
      maxLength: PUBLIC_FEEDBACK_LIMITS.bodyMax,
    }),
    contact: Type.Optional(Type.String({ maxLength: PUBLIC_FEEDBACK_LIMITS.contactMax })),
  },
  strict,
);
export type PublicFeedbackBody = Static<typeof PublicFeedbackBody>;

export const PublicFeedbackReceipt = Type.Object({ received: Type.Literal(true), at: DateTime });

/** An item of the station's inbox (公众留言); signed-in users only. */
export const PublicFeedbackView = Type.Object({
  id: Type.Integer(),
  workshopId: Type.Integer(),
  workshopName: Type.String(),
  stationId: Type.Integer(),
  stationName: Type.String(),
  kind: PublicFeedbackKindSchema,
  body: Type.String(),
  contact: Nullable(Type.String()),
  status: PublicFeedbackStatusSchema,
  reply: Nullable(Type.String()),
  handledBy: Nullable(Type.String()),
  answeredAt: Nullable(DateTime),
  closedAt: Nullable(DateTime),
  createdAt: DateTime,
});
export type PublicFeedbackView = Static<typeof PublicFeedbackView>;

export const PublicFeedbackListQuery = Type.Object(
  {
    ...Pagination,
    status: Type.Optional(PublicFeedbackStatusSchema),
    kind: Type.Optional(PublicFeedbackKindSchema),
    stationId: Type.Optional(Id),
  },
  strict,
);
export type PublicFeedbackListQuery = Static<typeof PublicFeedbackListQuery>;

export const PublicFeedbackReplyBody = Type.Object(
  { reply: Type.String({ minLength: 1, maxLength: PUBLIC_FEEDBACK_LIMITS.replyMax }) },
  strict,
);
export type PublicFeedbackReplyBody = Static<typeof PublicFeedbackReplyBody>;

/** `GET /api/public-feedback/summary`: the menu badge (open items the user may handle). */
export const PublicFeedbackSummary = Type.Object({ open: Type.Integer({ minimum: 0 }) });
export type PublicFeedbackSummary = Static<typeof PublicFeedbackSummary>;
