/**
 * One uploaded photo from a multipart request (case attachments, activity photos): the bytes of the field
 * `file`, refused unless it is really a JPEG or a PNG (magic bytes, whatever the name or the declared type
 * say), with its file name cleaned for the record.
 */
import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import { type PhotoMime, sniffImage } from "../cases/case-photo.store.js";
import { badRequest, HttpError } from "../errors.js";

export interface UploadedPhoto {
  bytes: Buffer;
  mime: PhotoMime;
  fileName: string | null;
}

/** The request's one photo: 415 when it is not multipart or not a JPEG/PNG, 400 without a file, 413 past the limit. */
export async function readUploadedPhoto(req: FastifyRequest, maxMb: number): Promise<UploadedPhoto> {
  if (!req.isMultipart()) throw new HttpError(415, "unsupported_media_type", "send multipart/form-data");
  const part = await req.file();
  if (!part) throw badRequest("file", "multipart: a file field is required");
  const bytes = await uploadedBytes(part, maxMb);
  const mime = sniffImage(bytes);
  if (!mime) throw new HttpError(415, "unsupported_media_type", "only JPEG and PNG photos are accepted");
  return { bytes, mime, fileName: cleanFileName(part.filename) };
}

/** The uploaded file's name, kept for the record only (the stored name is the hash): no control characters. */
export function cleanFileName(name: string | undefined): string | null {
  const clean = [...(name ?? "")].filter((ch) => ch.charCodeAt(0) >= 32 && ch.charCodeAt(0) !== 127).join("");
  return clean.slice(0, 200) || null;
}

/** The bytes of the one uploaded file: 413 past the limit. */
async function uploadedBytes(part: MultipartFile, maxMb: number): Promise<Buffer> {
  try {
    return await part.toBuffer();
  } catch (err) {
    if ((err as { code?: string }).code === "FST_REQ_FILE_TOO_LARGE")
      throw new HttpError(413, "payload_too_large", `a photo may be at most ${maxMb} MiB`);
    throw err;
  }
}
