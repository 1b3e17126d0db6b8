/**
 * Evidence JPEGs on disk under DATA_DIR/media/evidence/<station>/<yyyy-mm>/<alert id>.jpg, checked against
 * the producer's SHA-256 on write and against the stored one on every read (CheckedFileStore). The database
 * keeps the path relative to DATA_DIR/media and the hash.
 */
import path from "node:path";
import { CheckedFileStore, MediaFileError } from "../media/checked-file.store.js";

export { MediaFileError as EvidenceError };

export class EvidenceStore extends CheckedFileStore {
  /** `mediaRoot` = DATA_DIR/media. */
  constructor(mediaRoot: string) {
    super(mediaRoot, "evidence");
  }

  relPath(stationId: number, capturedAt: Date, alertId: string): string {
    const month = capturedAt.toISOString().slice(0, 7);
    return path.posix.join("evidence", String(stationId), month, `${alertId}.jpg`);
  }

  /** The undrawn frame beside the evidence. */
  framePath(stationId: number, capturedAt: Date, alertId: string): string {
    return this.relPath(stationId, capturedAt, alertId).replace(/\.jpg$/, ".frame.jpg");
  }
}
