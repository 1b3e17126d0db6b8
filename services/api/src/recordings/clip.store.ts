/**
 * Clip files under DATA_DIR/media/clips/<station>/<yyyy-mm>/<alert id>.mp4, beside the evidence. Written
 * atomically by the cutter; checked against their stored SHA-256 on every read (streamed: a clip may be
 * tens of megabytes, and a player asks for it in ranges), never outside the media root.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { MediaFileError } from "../media/checked-file.store.js";
import { sha256OfFile } from "./clip.cutter.js";

export { MediaFileError as ClipFileError };

export class ClipStore {
  /** `mediaRoot` = DATA_DIR/media. */
  constructor(private readonly mediaRoot: string) {}

  relPath(stationId: number, capturedAt: Date, alertId: string): string {
    const month = capturedAt.toISOString().slice(0, 7);
    return path.posix.join("clips", String(stationId), month, `${alertId}.mp4`);
  }

  abs(rel: string): string {
    const root = path.resolve(this.mediaRoot);
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) throw new MediaFileError("missing", "bad path");
    return file;
  }

  /** The file's absolute path and size once its SHA-256 matched; MediaFileError otherwise. */
  async checked(rel: string, sha256: string | null): Promise<{ file: string; size: number }> {
    const file = this.abs(rel);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new MediaFileError("missing", `clip ${rel} is missing`);
      }
      throw err;
    }
    if (!sha256 || (await sha256OfFile(file)) !== sha256) {
      throw new MediaFileError("corrupt", `clip ${rel} does not match its SHA-256`);
    }
    return { file, size };
  }
}
