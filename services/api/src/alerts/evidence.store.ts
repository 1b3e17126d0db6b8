/**
 * Evidence JPEGs on disk under DATA_DIR/media/evidence/<station>/<yyyy-mm>/<alert id>.jpg. Written
 * atomically (temporary file, fsync, rename), checked against their SHA-256 on write (the producer's
 * hash, then the bytes read back) and on every read. The database keeps the path relative to
 * DATA_DIR/media and the hash.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

export class EvidenceError extends Error {
  constructor(
    readonly code: "hash_mismatch" | "missing" | "corrupt",
    message: string,
  ) {
    super(message);
    this.name = "EvidenceError";
  }
}

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export class EvidenceStore {
  /** `mediaRoot` = DATA_DIR/media. */
  constructor(private readonly mediaRoot: string) {}

  relPath(stationId: number, capturedAt: Date, alertId: string): string {
    const month = capturedAt.toISOString().slice(0, 7);
    return path.posix.join("evidence", String(stationId), month, `${alertId}.jpg`);
  }

  async write(rel: string, bytes: Buffer, expectedSha256?: string): Promise<string> {
    const hash = sha256(bytes);
    if (expectedSha256 && hash !== expectedSha256) {
      throw new EvidenceError(
        "hash_mismatch",
        `evidence SHA-256 ${hash} differs from the producer's ${expectedSha256}`,
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
    const back = sha256(await readFile(file));
    if (back !== hash) {
      await rm(file, { force: true });
      throw new EvidenceError("corrupt", `evidence ${rel} read back with another SHA-256`);
    }
    return hash;
  }

  async read(rel: string, expectedSha256: string | null): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.abs(rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        throw new EvidenceError("missing", `evidence ${rel} is missing`);
      throw err;
    }
    if (expectedSha256 && sha256(bytes) !== expectedSha256) {
      throw new EvidenceError("corrupt", `evidence ${rel} does not match its SHA-256`);
    }
    return bytes;
  }

  async remove(rel: string): Promise<void> {
    await rm(this.abs(rel), { force: true });
  }

  private abs(rel: string): string {
    const file = path.resolve(this.mediaRoot, rel);
    if (!file.startsWith(path.resolve(this.mediaRoot) + path.sep))
      throw new EvidenceError("missing", "bad path");
    return file;
  }
}
