/**
 * Disk use of DATA_DIR: the file system's total and free space (statfs), and the size of the media
 * folder by a bounded walk (at most MAX_FILES entries, cached for a minute: evidence and HLS segments
 * can be many files).
 */
import { lstat, readdir, statfs } from "node:fs/promises";
import path from "node:path";
import type { SystemStatus } from "@mingfang/core";

const MAX_FILES = 50_000;
const CACHE_MS = 60_000;

export async function folderSize(
  dir: string,
  maxFiles = MAX_FILES,
): Promise<{ bytes: number; partial: boolean }> {
  let bytes = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue; // removed while walking (HLS segments rotate), or unreadable
    }
    for (const e of entries) {
      if (++seen > maxFiles) return { bytes, partial: true };
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile())
        bytes += await lstat(p).then(
          (s) => s.size,
          () => 0,
        );
    }
  }
  return { bytes, partial: false };
}

export class DiskUsage {
  private cached: { at: number; bytes: number | null; partial: boolean } | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly mediaDir: string,
  ) {}

  async read(now = Date.now()): Promise<SystemStatus["disk"]> {
    const fs = await statfs(this.dataDir).catch(() => null);
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const size = await folderSize(this.mediaDir).catch(() => null);
      this.cached = { at: now, bytes: size?.bytes ?? null, partial: size?.partial ?? false };
    }
    return {
      path: this.dataDir,
      totalBytes: fs ? fs.blocks * fs.bsize : null,
      freeBytes: fs ? fs.bavail * fs.bsize : null,
      mediaBytes: this.cached.bytes,
      mediaPartial: this.cached.partial,
    };
  }
}
