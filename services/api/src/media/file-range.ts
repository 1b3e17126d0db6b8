/**
 * Files served whole or by one byte range (RFC 9110): recorded chunks (hls.js fetches each playlist entry
 * as a range) and alerts' clips (a <video> element seeks by ranges).
 */
import { createReadStream } from "node:fs";
import type { FastifyReply } from "fastify";
import { HttpError } from "../errors.js";

/**
 * One `Range: bytes=…` header against a file of `size` bytes. A single range only; several ranges, or
 * another unit, are answered with the whole file, as RFC 9110 allows. Pure.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [a, b] = [m[1] as string, m[2] as string];
  if (a === "" && b === "") return null;
  if (a === "") {
    const n = Number(b);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/**
 * Sends `file` (`size` bytes) whole (200) or the range the request asks for (206), or refuses a range
 * outside it (416 with the error shape). The caller sets the type and its own headers first.
 */
export function sendFileRange(
  reply: FastifyReply,
  file: string,
  size: number,
  rangeHeader: string | undefined,
) {
  const range = parseRange(rangeHeader, size);
  reply.header("accept-ranges", "bytes");
  if (range === "unsatisfiable") {
    reply.header("content-range", `bytes */${size}`);
    throw new HttpError(416, "range_not_satisfiable", "the range lies outside the file");
  }
  if (!range) return reply.header("content-length", size).send(createReadStream(file));
  return reply
    .code(206)
    .header("content-range", `bytes ${range.start}-${range.end}/${size}`)
    .header("content-length", range.end - range.start + 1)
    .send(createReadStream(file, range));
}
