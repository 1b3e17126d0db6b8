/**
 * Case photos on disk: DATA_DIR/media/cases/<case id>/<sha256>.<jpg|png>. Only JPEG and PNG, recognised
 * by their magic bytes (never by the name or the declared type); stored and checked like alert evidence
 * (CheckedFileStore). The database keeps the path relative to DATA_DIR/media and the hash.
 */
import path from "node:path";
import { sha256Hex } from "@mingfang/core";
import { CheckedFileStore } from "../media/checked-file.store.js";

export type PhotoMime = "image/jpeg" | "image/png";

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image type from the first bytes, or null when it is neither a JPEG nor a PNG. */
export function sniffImage(b: Buffer): PhotoMime | null {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_MAGIC)) return "image/png";
  return null;
}

export class CasePhotoStore extends CheckedFileStore {
  /** `mediaRoot` = DATA_DIR/media. */
  constructor(mediaRoot: string) {
    super(mediaRoot, "photo");
  }

  async save(caseId: string, bytes: Buffer, mime: PhotoMime): Promise<{ rel: string; sha256: string }> {
    const rel = path.posix.join(
      "cases",
      caseId,
      `${sha256Hex(bytes)}.${mime === "image/png" ? "png" : "jpg"}`,
    );
    return { rel, sha256: await this.write(rel, bytes) };
  }
}
