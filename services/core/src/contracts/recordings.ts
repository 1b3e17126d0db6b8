/**
 * Recordings (issue 14, docs/recordings.md): the recording policy of a camera, the clip job, and the REST
 * views of clips, the playback timeline and the signed playback links.
 */
import { type Static, Type } from "typebox";

/** off: nothing kept; events: a clip per alert (default); working_hours / continuous: everything, by the index. */
export const RECORDING_POLICIES = ["off", "events", "working_hours", "continuous"] as const;
export type RecordingPolicy = (typeof RECORDING_POLICIES)[number];
export const RecordingPolicySchema = Type.Union(RECORDING_POLICIES.map((p) => Type.Literal(p)) as never, {
  description: "off | events (a clip per alert, the default) | working_hours | continuous",
});

/** pending → ready | partial (the part that exists) | missing (no video at all) | failed. */
export const CLIP_STATUSES = ["pending", "ready", "partial", "missing", "failed"] as const;
export type ClipStatus = (typeof CLIP_STATUSES)[number];

/** QUEUES.clips: cut an alert's clip; delayed until `to` has passed (and a margin). Job id `clip-<alertId>`. */
export const ClipJob = Type.Object(
  {
    alertId: Type.String({ format: "uuid" }),
    cameraId: Type.Integer({ minimum: 1 }),
    /** ISO 8601: the window asked for, capture time − pre … capture time + post. */
    from: Type.String({ format: "date-time" }),
    to: Type.String({ format: "date-time" }),
  },
  { additionalProperties: false },
);
export type ClipJob = Static<typeof ClipJob>;

export const CLIP_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: "exponential", delay: 2000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** An alert's clip as the API shows it (`GET /api/alerts/:id/clip`). */
export const AlertClipView = Type.Object({
  alertId: Type.String(),
  status: Type.Unsafe<ClipStatus>(Type.Union(CLIP_STATUSES.map((s) => Type.Literal(s)) as never)),
  requestedFrom: Type.String({ format: "date-time" }),
  requestedTo: Type.String({ format: "date-time" }),
  /** The span the clip really covers (null until cut, or when nothing existed). */
  from: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  to: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  bytes: Type.Union([Type.Integer(), Type.Null()]),
  sha256: Type.Union([Type.String(), Type.Null()]),
  /** Signed, expiring URL of the MP4 (ready or partial, not purged). */
  url: Type.Union([Type.String(), Type.Null()]),
  purged: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type AlertClipView = Static<typeof AlertClipView>;

/** One camera's day for the playback timeline (`GET /api/cameras/:id/recordings?day=`). */
export const RecordingDayView = Type.Object({
  cameraId: Type.Integer(),
  day: Type.String({ description: "yyyy-mm-dd in the platform's time zone" }),
  policy: RecordingPolicySchema,
  /** Recorded spans, merged where chunks touch (gap ≤ 2 s), in time order. */
  spans: Type.Array(
    Type.Object({
      from: Type.String(),
      to: Type.String(),
      bytes: Type.Integer(),
      /** recording (continuous, from the index; the default) or clip (an "events" camera's alert clip). */
      kind: Type.Optional(Type.Union([Type.Literal("recording"), Type.Literal("clip")])),
      /** For a clip span: the alert whose clip it is (its MP4: `GET /api/alerts/:id/clip`). */
      alertId: Type.Optional(Type.String()),
    }),
  ),
  /** The day's alerts of this camera as marks; `clip`: its clip's status when it has one. */
  alerts: Type.Array(
    Type.Object({
      id: Type.String(),
      type: Type.String(),
      grade: Type.Integer(),
      at: Type.String(),
      clip: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export type RecordingDayView = Static<typeof RecordingDayView>;

/** Signed links for a span (`GET /api/cameras/:id/recordings/links?from=&to=`): audited as a view. */
export const RecordingLinksView = Type.Object({
  cameraId: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  /** HLS VOD playlist of the span. */
  playlist: Type.String(),
  /** The span as one MP4 (stream copy). */
  download: Type.String(),
  expiresAt: Type.String({ format: "date-time" }),
});
export type RecordingLinksView = Static<typeof RecordingLinksView>;
