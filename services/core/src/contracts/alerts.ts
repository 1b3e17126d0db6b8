/**
 * Alert REST and WebSocket contracts. The API validates with them, the OpenAPI document comes from
 * them, and the console takes its types from them.
 */
import { type Static, type TSchema, Type } from "typebox";
import { Box } from "./queues.js";
import { Pagination } from "./rest.js";

const strict = { additionalProperties: false } as const;

export const AlertStatusSchema = Type.Union([
  Type.Literal("new"),
  Type.Literal("acknowledged"),
  Type.Literal("false_positive"),
  Type.Literal("case_opened"),
  Type.Literal("resolved"),
]);

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: "date-time" });

export const AlertView = Type.Object({
  id: Type.String({ format: "uuid" }),
  cameraId: Type.Integer(),
  cameraName: Type.String(),
  workshopId: Type.Integer(),
  workshopName: Type.String(),
  stationId: Type.Integer(),
  type: Type.String(),
  area: Nullable(Type.String()),
  grade: Type.Integer({ minimum: 1, maximum: 3, description: "1 = act now, 3 = routine." }),
  status: AlertStatusSchema,
  confidence: Type.Number(),
  boxes: Type.Array(Box),
  model: Nullable(Type.String()),
  /** The versions of the models that raised it (`centernet@1+hat-classifier@2`); null before migration 0012. */
  modelVersion: Type.Optional(Nullable(Type.String())),
  zone: Nullable(Type.String()),
  capturedAt: DateTime,
  createdAt: DateTime,
  updatedAt: DateTime,
  repeatCount: Type.Integer({ description: "Later detections folded into this open alert (cooldown)." }),
  lastSeenAt: Nullable(DateTime),
  acknowledgedBy: Nullable(Type.Integer()),
  acknowledgedAt: Nullable(DateTime),
  ackNote: Nullable(Type.String()),
  escalationDueAt: Nullable(DateTime),
  escalatedAt: Nullable(DateTime),
  closedBy: Nullable(Type.Integer()),
  closedAt: Nullable(DateTime),
  closeNote: Nullable(Type.String()),
  caseId: Nullable(Type.String()),
  hasEvidence: Type.Boolean(),
  /** Signed, short-lived link to the evidence JPEG; null without evidence. */
  evidenceUrl: Nullable(Type.String()),
  /**
   * Signed, short-lived link to the undrawn frame (as the model saw it, migration 0007) kept beside the
   * evidence; null when the alert has none (older alerts, camera_offline, tamper alerts).
   */
  frameUrl: Nullable(Type.String()),
  /** What the console may offer in this state. */
  actions: Type.Array(Type.String()),
});
export type AlertView = Static<typeof AlertView>;

export const AlertIdParams = Type.Object({ id: Type.String({ format: "uuid" }) }, strict);

export const AlertListQuery = Type.Object(
  {
    ...Pagination,
    stationId: Type.Optional(Type.Integer({ minimum: 1 })),
    workshopId: Type.Optional(Type.Integer({ minimum: 1 })),
    cameraId: Type.Optional(Type.Integer({ minimum: 1 })),
    status: Type.Optional(AlertStatusSchema),
    open: Type.Optional(Type.Boolean({ description: "Only new and acknowledged alerts." })),
    type: Type.Optional(Type.String({ maxLength: 32 })),
    grade: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    escalated: Type.Optional(Type.Boolean()),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
  },
  strict,
);
export type AlertListQuery = Static<typeof AlertListQuery>;

export const AlertAckBody = Type.Object(
  { note: Type.String({ minLength: 1, maxLength: 500, description: "What the duty officer saw or did." }) },
  strict,
);
export const AlertCloseBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, strict);

export const EvidenceQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) }, strict);

/** Server → client messages on `/ws`. */
export const WsServerMessage = Type.Union([
  Type.Object({
    type: Type.Literal("hello"),
    /** The newest seq at connection time: send it back as `since` when reconnecting. */
    seq: Type.String(),
    user: Type.Object({ id: Type.Integer(), role: Type.String(), stationId: Nullable(Type.Integer()) }),
    heartbeatMs: Type.Integer(),
  }),
  Type.Object({
    type: Type.Literal("event"),
    seq: Type.String(),
    kind: Type.String(),
    stationId: Nullable(Type.Integer()),
    at: DateTime,
    payload: Type.Record(Type.String(), Type.Unknown()),
  }),
  Type.Object({ type: Type.Literal("heartbeat"), seq: Type.String(), at: DateTime }),
  /** Backlog replay done: live events follow. */
  Type.Object({ type: Type.Literal("synced"), seq: Type.String(), replayed: Type.Integer() }),
  /** The backlog is too long to replay (or `since` is unknown): reload lists over REST, go on from `seq`. */
  Type.Object({ type: Type.Literal("reset"), seq: Type.String(), reason: Type.String() }),
  Type.Object({ type: Type.Literal("error"), error: Type.String(), message: Type.String() }),
]);
export type WsServerMessage = Static<typeof WsServerMessage>;
