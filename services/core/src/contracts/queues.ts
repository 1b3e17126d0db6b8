/**
 * Queue contracts (ARCHITECTURE.md "Contracts"): names and payloads, as TypeBox schemas. Producers and
 * consumers import these; nothing else names a queue.
 *
 * Binary payloads (JPEG) do not travel in the job data (BullMQ stores it as JSON, base64 would cost a
 * third more and be copied with the job): they are binary Redis values with a TTL (redis/blob-store.ts)
 * and the job carries their keys. A consumer that finds a key expired or missing treats the job as bad
 * input; it deletes the blobs once done with them.
 */
import { type Static, Type } from "typebox";
import { BLOB_KEY_PATTERN } from "./events.js";

/** A reference to a blob (REDIS_KEYS.blob): only keys of that form are accepted. */
const BlobKey = (description: string) => Type.String({ pattern: BLOB_KEY_PATTERN, description });

export const QUEUES = {
  /** Sampled frames for analysis: at most one waiting job per camera (job id `cam-<id>`; newest wins). */
  frames: "frames",
  /** Alerts from the analytics worker to the API. */
  alerts: "alerts",
  /** Delayed jobs: escalate an alert not acknowledged in time. */
  escalations: "escalations",
  /** Deliveries of outbound events (webhook, MQTT), one job per event and sink, retried with back-off. */
  outbound: "outbound",
  /** Delayed jobs: cut an alert's MP4 clip once its window has passed (ClipJob, contracts/recordings.ts). */
  clips: "clips",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The BullMQ key prefix of every queue of the platform. */
export const QUEUE_PREFIX = "mingfang";

/**
 * What a producer of alerts should use: job id = alert id (BullMQ drops a second add), retries with
 * back-off, completed jobs kept an hour for the duplicate check, failed ones a week for inspection.
 */
export const ALERT_JOB_OPTIONS = {
  attempts: 20,
  backoff: { type: "exponential", delay: 500 },
  removeOnComplete: { age: 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * Violation types. The set is data: a model's class map plus the rules decide which ones can fire.
 * `camera_offline` is raised by the API itself (camera health as compliance); `camera_covered`, `camera_moved`
 * and `camera_defocused` by the analytics worker's tamper check (the camera against its own reference).
 */
export const VIOLATION_TYPES = [
  "no_hat",
  "no_gloves",
  "unclean_area",
  "no_mask",
  "smoking",
  "phone_use",
  "rodent",
  "uncovered_bin",
  "no_work_clothes",
  "camera_offline",
  "camera_covered",
  "camera_moved",
  "camera_defocused",
] as const;
export type ViolationType = (typeof VIOLATION_TYPES)[number];
export const ViolationTypeSchema = Type.Union(VIOLATION_TYPES.map((v) => Type.Literal(v)) as never);

export const Box = Type.Object(
  {
    /** Normalised to the frame: 0..1 from the top-left corner. */
    x: Type.Number({ minimum: 0, maximum: 1 }),
    y: Type.Number({ minimum: 0, maximum: 1 }),
    w: Type.Number({ minimum: 0, maximum: 1 }),
    h: Type.Number({ minimum: 0, maximum: 1 }),
    label: Type.String({ maxLength: 64 }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type Box = Static<typeof Box>;

export const FrameJob = Type.Object(
  {
    cameraId: Type.Integer({ minimum: 1 }),
    /** ISO 8601 capture time. */
    capturedAt: Type.String({ format: "date-time" }),
    /** The JPEG: a blob of kind `frame`, deleted by the consumer after analysis. */
    frameKey: BlobKey("The frame's JPEG (blob key)."),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    /** Keyframe-only sampling or fps filter: for diagnostics. */
    source: Type.Optional(Type.Union([Type.Literal("keyframe"), Type.Literal("fps")])),
  },
  { additionalProperties: false },
);
export type FrameJob = Static<typeof FrameJob>;

export const AlertJob = Type.Object(
  {
    /** Unique id (UUID) chosen by the producer: intake is idempotent on it. */
    id: Type.String({ format: "uuid" }),
    cameraId: Type.Integer({ minimum: 1 }),
    type: Type.String({ minLength: 1, maxLength: 32, description: "A violation type (VIOLATION_TYPES)." }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    boxes: Type.Array(Box, { maxItems: 100 }),
    capturedAt: Type.String({ format: "date-time" }),
    /**
     * Evidence JPEG (boxes and labels drawn): a blob of kind `evidence`, deleted by the API once the alert
     * is committed; absent for alerts without a frame (camera_offline).
     */
    evidenceKey: Type.Optional(BlobKey("The evidence JPEG (blob key).")),
    /** SHA-256 (hex) of the evidence JPEG bytes, checked on intake. */
    evidenceSha256: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$" })),
    /**
     * The frame as analysed, without drawings (JPEG), a blob of kind `alert-frame`: kept beside the
     * evidence for training sets made from reviewed alerts. Optional; with it, its SHA-256.
     */
    frameKey: Type.Optional(BlobKey("The undrawn frame JPEG (blob key).")),
    frameSha256: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$" })),
    /** Which model and rule produced it, for the record and for retraining. */
    model: Type.Optional(Type.String({ maxLength: 128 })),
    /**
     * The versions of the models that raised it, `+`-joined `<card name>@<version>` in the order of `model`
     * (e.g. `centernet@1+hat-classifier@2`): which model made the alert after a retrained one is installed.
     */
    modelVersion: Type.Optional(Type.String({ maxLength: 256 })),
    zone: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type AlertJob = Static<typeof AlertJob>;

export const EscalationJob = Type.Object(
  { alertId: Type.String({ format: "uuid" }), grade: Type.Integer({ minimum: 1, maximum: 3 }) },
  { additionalProperties: false },
);
export type EscalationJob = Static<typeof EscalationJob>;
