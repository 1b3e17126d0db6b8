/**
 * What the system page keeps while it is open: one sample per poll (frames/s, waiting jobs per queue),
 * at most an hour of them, as ECharts time series; and the figures' formatting (bytes, lag, camera
 * counts in the order the page shows them).
 */
import type { SystemQueue, SystemStatus } from "@/api/types";

export interface Sample {
  at: number;
  fps: number;
  waiting: Record<string, number>;
}

/** An hour at one sample every 5 s. */
export const MAX_SAMPLES = 720;

export function sampleOf(s: SystemStatus): Sample {
  return {
    at: Date.parse(s.at),
    fps: s.analytics.framesPerSecond,
    waiting: Object.fromEntries(s.queues.map((q) => [q.name, q.waiting])),
  };
}

/** Appends a sample (ignores one not newer than the last), dropping the oldest beyond `max`. */
export function pushSample(history: Sample[], s: Sample, max = MAX_SAMPLES): Sample[] {
  const last = history.at(-1);
  if (last && s.at <= last.at) return history;
  const next = [...history, s];
  return next.length > max ? next.slice(next.length - max) : next;
}

export type Point = [number, number];

export function fpsSeries(history: Sample[]): Point[] {
  return history.map((h) => [h.at, h.fps]);
}

export function queueSeries(history: Sample[]): Record<string, Point[]> {
  const names = [...new Set(history.flatMap((h) => Object.keys(h.waiting)))];
  return Object.fromEntries(names.map((n) => [n, history.map((h): Point => [h.at, h.waiting[n] ?? 0])]));
}

/** 1.5 GB style (binary units, as disks are shown). */
export function bytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export const CAMERA_ORDER = ["online", "stalled", "offline", "unknown", "disabled"] as const;

/** Cameras by status, in the page's order, with the zero rows left out (all kept when none). */
export function statusRows(byStatus: Record<string, number>): { status: string; count: number }[] {
  const rows = CAMERA_ORDER.map((status) => ({ status, count: byStatus[status] ?? 0 }));
  const nonZero = rows.filter((r) => r.count > 0);
  return nonZero.length ? nonZero : rows;
}

const ATTENTION = ["offline", "stalled", "unknown", "online", "disabled"];

/** Cameras needing attention first (offline, stalled, unreported), then online, then disabled; by id within. */
export function sortCameras<T extends { id: number; status: string }>(items: T[]): T[] {
  const rank = (s: string) => (ATTENTION.indexOf(s) + ATTENTION.length + 1) % (ATTENTION.length + 1);
  return [...items].sort((a, b) => rank(a.status) - rank(b.status) || a.id - b.id);
}

export function totalWaiting(queues: SystemQueue[]): number {
  return queues.reduce((s, q) => s + q.waiting, 0);
}

export function oldestWaiting(queues: SystemQueue[]): number | null {
  const ages = queues.map((q) => q.oldestWaitingSeconds).filter((a): a is number => a !== null);
  return ages.length ? Math.max(...ages) : null;
}

/** Used share of the disk, 0–100 (null when unknown). */
export function diskUsedPercent(d: SystemStatus["disk"]): number | null {
  if (!d.totalBytes || d.freeBytes == null) return null;
  return Math.round(((d.totalBytes - d.freeBytes) / d.totalBytes) * 100);
}
