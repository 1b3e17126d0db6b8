/** Kysely table types. The migrations in ./migrations are the source of truth for the DDL. */
import type { RiskLevel, Role, WorkingHoursJson } from "@mingfang/core";
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type GeneratedJson<T> = ColumnType<T, string | undefined, string>;

export interface StationsTable {
  id: Generated<number>;
  code: string;
  name: string;
  pinyin: string;
  target_demonstration_workshops: number;
  target_upgraded_to_enterprises: number;
  target_video_supervision_pilots: number;
  target_industry_association_activities: number;
  created_at: GeneratedTimestamp;
}

export interface WorkshopsTable {
  id: Generated<number>;
  station_id: number;
  name: string;
  licence_no: string;
  address: string;
  category: string;
  risk_level: RiskLevel;
  cold_chain: boolean;
  demo_site: boolean;
  pilot: boolean;
  operator_name: string | null;
  phone: string | null;
  employees: number | null;
  working_hours: Json<WorkingHoursJson | null> | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
  /** Migration 0008: the plan's titles. Dates are calendar days as text, YYYY-MM-DD. */
  demonstration_level: Generated<"demonstration" | "outstanding" | null>;
  demonstration_awarded_on: Generated<string | null>;
  demonstration_decision_ref: Generated<string | null>;
  upgraded_on: Generated<string | null>;
  enterprise_licence_no: Generated<string | null>;
}

export interface CamerasTable {
  id: Generated<number>;
  workshop_id: number;
  name: string;
  area: string;
  /** AES-256-GCM sealed source URL (with credentials); never leaves the server. */
  source_url_enc: string | null;
  /** Display form, credentials masked: rtsp://***@host/path. */
  source_url_masked: string | null;
  /** Sub-stream for analysis, sealed like the main URL; null → the main stream is analysed. */
  sub_url_enc: string | null;
  sub_url_masked: string | null;
  analyse: Generated<boolean>;
  onvif_url: string | null;
  onvif_username: string | null;
  onvif_password_enc: string | null;
  detect_profile: string | null;
  record_profile: string | null;
  zones: GeneratedJson<unknown[]>;
  schedule: Json<unknown> | null;
  /** Analytics rule overrides of this camera (migration 0005), deep-merged over the defaults. */
  analytics: Json<unknown> | null;
  public: Generated<boolean>;
  /** Migration 0010: polygons blurred into the public stream only (normalised [x, y] points). */
  privacy_masks: GeneratedJson<[number, number][][]>;
  /** Migration 0011: off | events | working_hours | continuous (RecordingPolicy). */
  recording_policy: Generated<string>;
  clip_pre_seconds: ColumnType<number | null, number | null | undefined, number | null>;
  clip_post_seconds: ColumnType<number | null, number | null | undefined, number | null>;
  enabled: Generated<boolean>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  password_hash: string;
  role: Role;
  station_id: number | null;
  disabled: Generated<boolean>;
  password_changed_at: GeneratedTimestamp;
  created_at: GeneratedTimestamp;
}

export interface SessionsTable {
  /** SHA-256 of the cookie token; the token itself is never stored. */
  id: string;
  user_id: number;
  created_at: GeneratedTimestamp;
  expires_at: Timestamp;
  last_seen_at: GeneratedTimestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface AlertsTable {
  id: string;
  camera_id: number;
  workshop_id: number;
  station_id: number;
  type: string;
  confidence: number;
  boxes: GeneratedJson<unknown[]>;
  grade: number;
  status: string;
  captured_at: Timestamp;
  evidence_path: string | null;
  evidence_sha256: string | null;
  /** The analysed frame without drawings (migration 0007), for training sets. */
  frame_path: ColumnType<string | null, string | null | undefined, string | null>;
  frame_sha256: ColumnType<string | null, string | null | undefined, string | null>;
  acknowledged_by: number | null;
  acknowledged_at: Timestamp | null;
  ack_note: string | null;
  escalated_at: Timestamp | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
  // 0002-alerts
  area: string | null;
  model: string | null;
  zone: string | null;
  repeat_count: Generated<number>;
  last_seen_at: Timestamp | null;
  escalation_due_at: Timestamp | null;
  closed_by: number | null;
  closed_at: Timestamp | null;
  close_note: string | null;
  /** Migration 0011: the evidence image (and frame) deleted by retention. */
  evidence_purged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Migration 0012: the versions of the models that raised it (`centernet@1+hat-classifier@2`). */
  model_version: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CasesTable {
  id: string;
  code: string;
  station_id: number;
  workshop_id: number | null;
  title: string;
  description: string | null;
  state: string;
  assigned_brigade: Generated<boolean>;
  deadline: Timestamp | null;
  outcome: string | null;
  opened_by: number | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
  closed_at: Timestamp | null;
  // 0003-cases: the due and done time of each step; `deadline` is the one running now.
  source: Generated<string>;
  dispatch_due_at: Timestamp | null;
  dispatched_at: Timestamp | null;
  on_site_due_at: Timestamp | null;
  on_site_at: Timestamp | null;
  rectification_due_at: Timestamp | null;
  rectification_ordered_at: Timestamp | null;
  rectified_at: Timestamp | null;
  reviewed_at: Timestamp | null;
  brigade_assigned_at: Timestamp | null;
}

/** 0003-cases: photos attached to a case, stored under DATA_DIR/media (path relative to it). */
export interface CaseAttachmentsTable {
  id: string;
  case_id: string;
  kind: string;
  mime: string;
  size: number;
  sha256: string;
  path: string;
  file_name: string | null;
  uploaded_by: number | null;
  created_at: GeneratedTimestamp;
  /** Migration 0011: the file deleted by retention. */
  purged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** A detection folded into an open alert (migration 0006): its job id, so a redelivery is not counted twice. */
export interface AlertFoldsTable {
  job_id: string;
  alert_id: string;
  captured_at: Timestamp;
}

export interface CaseAlertsTable {
  case_id: string;
  alert_id: string;
}

export interface CaseEventsTable {
  id: Generated<number>;
  case_id: string;
  at: GeneratedTimestamp;
  actor_id: number | null;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  note: string | null;
  data: Json<unknown> | null;
}

export interface EventsTable {
  seq: Generated<string>;
  kind: string;
  station_id: number | null;
  payload: Json<unknown>;
  created_at: GeneratedTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: GeneratedTimestamp;
  actor_id: number | null;
  actor_username: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  station_id: number | null;
  ip: string | null;
  detail: Json<unknown> | null;
}

/** An industry-association activity of a station (协会活动, migration 0008). */
export interface AssociationActivitiesTable {
  id: Generated<number>;
  station_id: number;
  /** YYYY-MM-DD. */
  held_on: string;
  title: string;
  participants: number;
  summary: Generated<string>;
  created_by: number | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ActivityPhotosTable {
  id: string;
  activity_id: number;
  mime: string;
  size: number;
  sha256: string;
  path: string;
  file_name: string | null;
  uploaded_by: number | null;
  created_at: GeneratedTimestamp;
}

/** A camera's status from `at` until the camera's next row (migration 0009): one row per change. */
/** Feedback a citizen left on a demonstration site's public page (migration 0010). */
export interface PublicFeedbackTable {
  id: Generated<number>;
  workshop_id: number;
  station_id: number;
  kind: "praise" | "suggestion" | "complaint";
  body: string;
  /** Optional, never shown publicly. */
  contact: string | null;
  /** Salted SHA-256 of the sender's IP; the IP itself is never stored. */
  ip_hash: string;
  status: Generated<"open" | "answered" | "closed">;
  reply: string | null;
  handled_by: number | null;
  answered_at: Date | null;
  closed_at: Date | null;
  created_at: GeneratedTimestamp;
}

export interface CameraStatusLogTable {
  camera_id: number;
  status: "online" | "offline" | "stalled" | "disabled";
  at: Timestamp;
}

/**
 * Migration 0011: one file of continuous recording (concatenated MPEG-TS segments, about a minute).
 * `parts`: `[bytes, ms]` per segment in file order.
 */
export interface RecordingChunksTable {
  id: Generated<string>;
  camera_id: number;
  started_at: Timestamp;
  ended_at: Timestamp;
  bytes: ColumnType<string, number | string, number | string>;
  /** Relative to DATA_DIR/media. */
  path: string;
  parts: Json<[number, number][]>;
  created_at: GeneratedTimestamp;
}

/** Migration 0011: an alert's MP4 clip. */
export interface AlertClipsTable {
  alert_id: string;
  camera_id: number;
  /** pending | ready | partial | missing | failed (ClipStatus). */
  status: Generated<string>;
  requested_from: Timestamp;
  requested_to: Timestamp;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  /** Relative to DATA_DIR/media. */
  path: string | null;
  sha256: string | null;
  bytes: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  error: string | null;
  purged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface Database {
  stations: StationsTable;
  workshops: WorkshopsTable;
  cameras: CamerasTable;
  users: UsersTable;
  sessions: SessionsTable;
  alerts: AlertsTable;
  alert_folds: AlertFoldsTable;
  cases: CasesTable;
  case_alerts: CaseAlertsTable;
  case_events: CaseEventsTable;
  case_attachments: CaseAttachmentsTable;
  events: EventsTable;
  audit_log: AuditLogTable;
  association_activities: AssociationActivitiesTable;
  activity_photos: ActivityPhotosTable;
  camera_status_log: CameraStatusLogTable;
  public_feedback: PublicFeedbackTable;
  recording_chunks: RecordingChunksTable;
  alert_clips: AlertClipsTable;
}

export type Station = Selectable<StationsTable>;
export type Workshop = Selectable<WorkshopsTable>;
export type NewWorkshop = Insertable<WorkshopsTable>;
export type WorkshopUpdate = Updateable<WorkshopsTable>;
export type Camera = Selectable<CamerasTable>;
export type NewCamera = Insertable<CamerasTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
