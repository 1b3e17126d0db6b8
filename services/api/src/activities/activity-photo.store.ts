/**
 * Association activities' photos on disk: DATA_DIR/media/activities/<activity id>/<sha256>.<jpg|png>.
 * The same checks as case photos (JPEG/PNG by magic bytes: `sniffImage`; atomic write, SHA-256 checked on
 * every read: `CheckedFileStore`), only another folder.
 */
import path from "node:path";
import { sha256Hex } from "@mingfang/core";
import type { PhotoMime } from "../cases/case-photo.store.js";
import { CheckedFileStore } from "../media/checked-file.store.js";

export class ActivityPhotoStore extends CheckedFileStore {
  /** `mediaRoot` = DATA_DIR/media. */
  constructor(mediaRoot: string) {
    super(mediaRoot, "photo");
  }

  async save(activityId: number, bytes: Buffer, mime: PhotoMime): Promise<{ rel: string; sha256: string }> {
    const ext = mime === "image/png" ? "png" : "jpg";
    const rel = path.posix.join("activities", String(activityId), `${sha256Hex(bytes)}.${ext}`);
    return { rel, sha256: await this.write(rel, bytes) };
  }
}
