/**
 * The media files a case's archive would carry (evidence, undrawn frames, clips, photos), where each comes
 * from, and what is missing and why — before anything is read. Pure: rows in, a list out.
 */
import type { CaseRepository } from "./case.repository.js";
import type { ArchiveAlertRow } from "./case-archive.repository.js";

export type ArchivePhotoRow = Awaited<ReturnType<CaseRepository["attachments"]>>[number];

export type ArchiveFileKind = "case_page" | "evidence" | "frame" | "clip" | "photo";

/**
 * Why a file the case refers to is not in the archive. `purged`: deleted by retention; `not_on_disk`: the
 * database refers to it but the file is gone; `hash_mismatch`: the file differs from its stored SHA-256;
 * `no_evidence`: the alert never had an image; `no_clip`: no clip was made (recording off, or the alert
 * predates recording); `clip_pending` / `clip_missing` (no video existed) / `clip_failed`: the clip's state.
 */
export type MissingReason =
  | "purged"
  | "not_on_disk"
  | "hash_mismatch"
  | "no_evidence"
  | "no_clip"
  | "clip_pending"
  | "clip_missing"
  | "clip_failed";

/** A file to read from DATA_DIR/media into the archive at `path`. */
export interface SourceFile {
  path: string;
  kind: Exclude<ArchiveFileKind, "case_page">;
  /** Relative to DATA_DIR/media. */
  source: string;
  storedSha256: string | null;
  alertId?: string;
  attachmentId?: string;
  /** What it is, in Chinese (the manifest's and the page's wording). */
  description: string;
}

export interface MissingFile {
  path: string;
  kind: Exclude<ArchiveFileKind, "case_page">;
  reason: MissingReason;
  detail: string;
  alertId?: string;
  attachmentId?: string;
}

export const MISSING_REASON_ZH: Record<MissingReason, string> = {
  purged: "已按保存期限删除",
  not_on_disk: "文件不存在",
  hash_mismatch: "文件与登记的 SHA-256 不符（可能已损坏或被改动）",
  no_evidence: "该预警没有证据图片",
  no_clip: "该预警没有视频片段（未开启录像，或预警早于录像功能）",
  clip_pending: "视频片段尚未生成",
  clip_missing: "该时段没有可用的视频",
  clip_failed: "视频片段生成失败",
};

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** Beijing time, `2026-12-07 20:31:05` (China keeps UTC+8 all year). */
export function beijing(d: Date | string | null | undefined): string {
  if (!d) return "—";
  const t = new Date(new Date(d).getTime() + 8 * 3600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)}`;
}

export const alertDir = (alertId: string) => `alerts/${alertId}`;

/** The evidence and undrawn frame of one alert. */
function imageFiles(a: ArchiveAlertRow, out: SourceFile[], missing: MissingFile[]): void {
  const dir = alertDir(a.id);
  const purged = iso(a.evidence_purged_at);
  const evidence = `${dir}/evidence.jpg`;
  if (purged) {
    missing.push({
      path: evidence,
      kind: "evidence",
      reason: "purged",
      detail: `purged at ${purged}`,
      alertId: a.id,
    });
  } else if (!a.evidence_path) {
    missing.push({ path: evidence, kind: "evidence", reason: "no_evidence", detail: "", alertId: a.id });
  } else {
    out.push({
      path: evidence,
      kind: "evidence",
      source: a.evidence_path,
      storedSha256: a.evidence_sha256,
      alertId: a.id,
      description: "预警证据图片（含标注框）",
    });
  }
  if (a.frame_path && !purged) {
    out.push({
      path: `${dir}/frame.jpg`,
      kind: "frame",
      source: a.frame_path,
      storedSha256: a.frame_sha256,
      alertId: a.id,
      description: "预警原始画面（无标注）",
    });
  }
}

/** Why an alert's clip cannot be in the archive (before reading it), or null when it has a file. */
function clipAbsence(a: ArchiveAlertRow): [MissingReason, string] | null {
  if (a.clip_status === null) return ["no_clip", ""];
  if (a.clip_purged_at) return ["purged", `purged at ${iso(a.clip_purged_at)}`];
  if (a.clip_status === "pending") return ["clip_pending", ""];
  if (a.clip_status === "missing") return ["clip_missing", a.clip_error ?? ""];
  if (a.clip_status === "failed") return ["clip_failed", a.clip_error ?? ""];
  if (!a.clip_path) return ["not_on_disk", "the clip row has no file"];
  return null;
}

/** The alert's clip when it has a ready or partial one; otherwise what became of it. */
function clipFile(a: ArchiveAlertRow, out: SourceFile[], missing: MissingFile[]): void {
  const path = `${alertDir(a.id)}/clip.mp4`;
  const absent = clipAbsence(a);
  if (absent) {
    missing.push({ path, kind: "clip", reason: absent[0], detail: absent[1], alertId: a.id });
    return;
  }
  const span =
    a.clip_from && a.clip_to
      ? `，${beijing(a.clip_from)} 至 ${beijing(a.clip_to).slice(11)}（北京时间）`
      : "";
  out.push({
    path,
    kind: "clip",
    source: a.clip_path!,
    storedSha256: a.clip_sha256,
    alertId: a.id,
    description: `预警视频片段${a.clip_status === "partial" ? "（不完整：摄像头中途离线）" : ""}${span}`,
  });
}

const PHOTO_KIND_ZH: Record<string, string> = {
  rectification: "整改照片",
  on_site: "现场照片",
  other: "其他照片",
};

/** `photos/01-rectification.jpg`: numbered in upload order, ASCII only (any unzip, any Windows). */
export function photoName(index: number, kind: string, mime: string): string {
  const safeKind = /^[a-z_]+$/.test(kind) ? kind : "other";
  return `photos/${String(index + 1).padStart(2, "0")}-${safeKind}.${mime === "image/png" ? "png" : "jpg"}`;
}

function photoFiles(photos: ArchivePhotoRow[], out: SourceFile[], missing: MissingFile[]): void {
  photos.forEach((p, i) => {
    const path = photoName(i, p.kind, p.mime);
    if (p.purged_at) {
      missing.push({
        path,
        kind: "photo",
        reason: "purged",
        detail: `purged at ${iso(p.purged_at)}`,
        attachmentId: p.id,
      });
      return;
    }
    const name = p.file_name ? `，原文件名 ${p.file_name}` : "";
    out.push({
      path,
      kind: "photo",
      source: p.path,
      storedSha256: p.sha256,
      attachmentId: p.id,
      description: `${PHOTO_KIND_ZH[p.kind] ?? "照片"}（${beijing(p.created_at)} 上传${name}）`,
    });
  });
}

/** Every media file of the case, in archive order, and the ones known to be missing before reading. */
export function plannedFiles(
  alerts: ArchiveAlertRow[],
  photos: ArchivePhotoRow[],
): { files: SourceFile[]; missing: MissingFile[] } {
  const files: SourceFile[] = [];
  const missing: MissingFile[] = [];
  for (const a of alerts) {
    imageFiles(a, files, missing);
    clipFile(a, files, missing);
  }
  photoFiles(photos, files, missing);
  return { files, missing };
}
