/**
 * Tunables of the alert pipeline, with production defaults. The ones an operator sets come from the
 * configuration (`alertsOptionsFromConfig`); tests pass short limits through `ApiDeps.alerts`, which win.
 */
import { type Config, DEFAULT_GRADE_POLICY, type GradePolicy } from "@mingfang/core";

export interface AlertsOptions {
  /** Run the intake and escalation workers and the camera-health monitor in this process. */
  workers: boolean;
  /** Parallel intake jobs per process. */
  intakeConcurrency: number;
  gradePolicy: GradePolicy;
  /** A new alert of the same camera and type is folded into an open one younger than this. 0 = off. */
  cooldownMinutes: number;
  /** camera_offline after this many working minutes offline. */
  cameraOfflineMinutes: number;
  /** How often the camera-health monitor and the escalation sweep look. */
  sweepMs: number;
  /** BullMQ: a job whose worker died is retried after its lock lapses (ms). */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** WebSocket: server heartbeat period; a client silent for two periods is dropped. */
  heartbeatMs: number;
  /** WebSocket: bytes queued for one client before it is disconnected (it resyncs with `since`). */
  wsMaxBufferedBytes: number;
  /** WebSocket: the most events a reconnecting client is replayed before it is told to reload. */
  wsMaxBacklog: number;
  /** Lifetime of the signed evidence links handed out with alert views (s). */
  evidenceTokenTtlSeconds: number;
}

export const DEFAULT_ALERTS_OPTIONS: AlertsOptions = {
  workers: true,
  intakeConcurrency: 8,
  gradePolicy: DEFAULT_GRADE_POLICY,
  cooldownMinutes: 10,
  cameraOfflineMinutes: 10,
  sweepMs: 30_000,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  heartbeatMs: 25_000,
  wsMaxBufferedBytes: 1024 * 1024,
  wsMaxBacklog: 10_000,
  evidenceTokenTtlSeconds: 600,
};

export function alertsOptions(partial?: Partial<AlertsOptions>): AlertsOptions {
  return { ...DEFAULT_ALERTS_OPTIONS, ...partial };
}

/** The configured tunables: cooldown, acknowledgement limits per grade, camera-offline delay, job lock. */
export function alertsOptionsFromConfig(
  cfg: Pick<
    Config,
    "ALERT_COOLDOWN_MINUTES" | "ALERT_ACK_MINUTES" | "CAMERA_OFFLINE_MINUTES" | "ALERT_JOB_LOCK_SECONDS"
  >,
): Partial<AlertsOptions> {
  const [g1, g2, g3] = cfg.ALERT_ACK_MINUTES.split(",").map(Number) as [number, number, number];
  return {
    cooldownMinutes: cfg.ALERT_COOLDOWN_MINUTES,
    cameraOfflineMinutes: cfg.CAMERA_OFFLINE_MINUTES,
    // BullMQ renews a live worker's lock every half period; a dead one's jobs are stalled after it lapses.
    lockDurationMs: cfg.ALERT_JOB_LOCK_SECONDS * 1000,
    stalledIntervalMs: cfg.ALERT_JOB_LOCK_SECONDS * 1000,
    gradePolicy: { ...DEFAULT_GRADE_POLICY, ackLimitMinutes: { 1: g1, 2: g2, 3: g3 } },
  };
}
