/**
 * Clip files under DATA_DIR/media/clips/<station>/<yyyy-mm>/<alert id>.mp4, beside the evidence: written
 * atomically by the cutter, checked against their stored SHA-256 on every read (CheckedFileStore.checked,
 * streamed: a player asks for a clip in ranges), never outside the media root.
 */
import path from "node:path";
import { CheckedFileStore, MediaFileError } from "../media/checked-file.store.js";

export { MediaFileError as ClipFileError };

export class ClipStore extends CheckedFileStore {
  /** `mediaRoot` = DATA_DIR/media. */
  constructor(mediaRoot: string) {
    super(mediaRoot, "clip");
  }

  relPath(stationId: number, capturedAt: Date, alertId: string): string {
    const month = capturedAt.toISOString().slice(0, 7);
    return path.posix.join("clips", String(stationId), month, `${alertId}.mp4`);
  }
}
