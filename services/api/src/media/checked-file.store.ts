/**
 * Files under DATA_DIR/media that the database refers to by relative path and SHA-256 (alert evidence, case
 * photos): written atomically (temporary file, fsync, rename) and read back once, checked against their hash
 * on every read, and never outside the media root.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { sha256Hex } from "@mingfang/core";

export class MediaFileError extends Error {
  constructor(
    readonly code: "hash_mismatch" | "missing" | "corrupt",
    message: string,
  ) {
    super(message);
    this.name = "MediaFileError";
  }
}

export class CheckedFileStore {
  /** `mediaRoot` = DATA_DIR/media; `what` names the files in error messages ("evidence", "photo"). */
  constructor(
    private readonly mediaRoot: string,
    private readonly what: string,
  ) {}

  /** Writes `bytes` at `rel`; refuses them when they differ from the producer's hash. Returns the SHA-256. */
  async write(rel: string, bytes: Buffer, expectedSha256?: string): Promise<string> {
    const hash = sha256Hex(bytes);
    if (expectedSha256 && hash !== expectedSha256) {
      throw new MediaFileError(
        "hash_mismatch",
        `${this.what} SHA-256 ${hash} differs from the producer's ${expectedSha256}`,
      );
    }
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
    if (sha256Hex(await readFile(file)) !== hash) {
      await rm(file, { force: true });
      throw new MediaFileError("corrupt", `${this.what} ${rel} read back with another SHA-256`);
    }
    return hash;
  }

  async read(rel: string, expectedSha256: string | null): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.abs(rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new MediaFileError("missing", `${this.what} ${rel} is missing`);
      }
      throw err;
    }
    if (expectedSha256 && sha256Hex(bytes) !== expectedSha256) {
      throw new MediaFileError("corrupt", `${this.what} ${rel} does not match its SHA-256`);
    }
    return bytes;
  }

  /**
   * The file's absolute path and size once its SHA-256 matched, hashed as a stream (a video may be tens of
   * megabytes and is then served by ranges, not loaded); MediaFileError otherwise.
   */
  async checked(rel: string, expectedSha256: string | null): Promise<{ file: string; size: number }> {
    const file = this.abs(rel);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new MediaFileError("missing", `${this.what} ${rel} is missing`);
      }
      throw err;
    }
    if (!expectedSha256 || (await sha256OfFile(file)) !== expectedSha256) {
      throw new MediaFileError("corrupt", `${this.what} ${rel} does not match its SHA-256`);
    }
    return { file, size };
  }

  async remove(rel: string): Promise<void> {
    await rm(this.abs(rel), { force: true });
  }

  /** The absolute path of `rel`, never outside the media root. */
  abs(rel: string): string {
    const root = path.resolve(this.mediaRoot);
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) throw new MediaFileError("missing", "bad path");
    return file;
  }
}

/** The SHA-256 of a file, read as a stream. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
