/**
 * An alert job's images for intake: blobs the job refers to (queue contract), not base64 inside it. An
 * image without its SHA-256, one whose blob expired or is missing, or one over 8 MB rejects the alert
 * (bad input: retrying cannot help). The blobs are deleted once the alert is committed (alert-workers).
 */
import type { AlertJob, BlobStore } from "@mingfang/core";

const MAX_MEDIA_BYTES = 8 * 1024 * 1024;

/** The evidence (boxes drawn) and the undrawn frame, each when the job has one. */
export interface AlertMedia {
  evidence?: Buffer;
  frame?: Buffer;
}

export async function loadAlertMedia(
  job: AlertJob,
  blobs: Pick<BlobStore, "get">,
): Promise<{ media: AlertMedia } | { reason: string }> {
  const parts = [
    { kind: "evidence", key: job.evidenceKey, sha: job.evidenceSha256 },
    { kind: "frame", key: job.frameKey, sha: job.frameSha256 },
  ] as const;
  for (const p of parts) if (p.key && !p.sha) return { reason: `${p.kind} without its SHA-256` };
  const media: AlertMedia = {};
  for (const p of parts) {
    if (!p.key) continue;
    const bytes = await blobs.get(p.key);
    if (!bytes) return { reason: `${p.kind}: blob ${p.key} expired or missing` };
    if (bytes.length > MAX_MEDIA_BYTES) return { reason: `${p.kind} larger than 8 MB` };
    media[p.kind] = bytes;
  }
  return { media };
}
