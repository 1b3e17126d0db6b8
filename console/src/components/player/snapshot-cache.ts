/**
 * The last frame seen of each camera in this tab (object URLs of JPEGs grabbed from its video). The API
 * keeps a camera's latest frame for 60 s only, so a camera that went down an hour ago has no snapshot
 * there: the wall shows the one it kept. Bounded; old URLs are revoked.
 */
const MAX_ENTRIES = 64;

interface Entry {
  url: string;
  at: number;
}

const frames = new Map<number, Entry>();

export function rememberFrame(cameraId: number, blob: Blob, at = Date.now()): string {
  const old = frames.get(cameraId);
  if (old) URL.revokeObjectURL(old.url);
  frames.delete(cameraId);
  const url = URL.createObjectURL(blob);
  frames.set(cameraId, { url, at });
  while (frames.size > MAX_ENTRIES) {
    const [id, e] = frames.entries().next().value as [number, Entry];
    URL.revokeObjectURL(e.url);
    frames.delete(id);
  }
  return url;
}

export function lastFrame(cameraId: number): Entry | undefined {
  return frames.get(cameraId);
}

/** Whether the API may still hold the camera's latest frame (it keeps it 60 s). */
export function apiSnapshotLikely(lastFrameAt: string | null | undefined, now = Date.now()): boolean {
  if (!lastFrameAt) return false;
  const at = Date.parse(lastFrameAt);
  return Number.isFinite(at) && now - at < 55_000;
}
