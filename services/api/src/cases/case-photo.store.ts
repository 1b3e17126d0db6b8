/**
 * Case photos on disk: DATA_DIR/media/cases/<case id>/<sha256>.<jpg|png>. Only JPEG and PNG, recognised
 * by their magic bytes (never by the name or the declared type); written atomically (temporary file,
 * fsync, rename) and checked against their SHA-256 on every read. The database keeps the path relative
 * to DATA_DIR/media and the hash.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

export type PhotoMime = "image/jpeg" | "image/png";

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image type from the first bytes, or null when it is neither a JPEG nor a PNG. */
export function sniffImage(b: Buffer): PhotoMime | null {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_MAGIC)) return "image/png";
  return null;
}

export const sha256Hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export class PhotoIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PhotoIntegrityError";
  }
}

export class CasePhotoStore {
  /** `mediaRoot` = DATA_DIR/media. */
  constructor(private readonly mediaRoot: string) {}

  async save(caseId: string, bytes: Buffer, mime: PhotoMime): Promise<{ rel: string; sha256: string }> {
    const hash = sha256Hex(bytes);
    const rel = path.posix.join("cases", caseId, `${hash}.${mime === "image/png" ? "png" : "jpg"}`);
    const file = this.abs(rel);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    return { rel, sha256: hash };
  }

  async read(rel: string, expectedSha256: string): Promise<Buffer> {
    const bytes = await readFile(this.abs(rel));
    if (sha256Hex(bytes) !== expectedSha256)
      throw new PhotoIntegrityError(`photo ${rel} fails its SHA-256 check`);
    return bytes;
  }

  async remove(rel: string): Promise<void> {
    await rm(this.abs(rel), { force: true });
  }

  private abs(rel: string): string {
    const file = path.resolve(this.mediaRoot, rel);
    if (!file.startsWith(path.resolve(this.mediaRoot) + path.sep))
      throw new Error("path outside the media root");
    return file;
  }
}
