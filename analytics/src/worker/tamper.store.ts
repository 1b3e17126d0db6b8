/**
 * Keeps each camera's learned tamper reference in Redis, so that a restarted worker does not learn a
 * covered or turned camera as its new reference. One key per camera: `<prefix>:analytics:tamper:<cameraId>`,
 * a small binary record (JSON header + the half-size samples + the reference picture), 30 days; deleted
 * when the reference is forgotten.
 */
import type { Redis } from "@mingfang/core";
import type { TamperSnapshot } from "../rules/tamper.state.js";

export interface TamperStore {
  load(cameraId: number): Promise<TamperSnapshot | undefined>;
  /** null: forget the camera's reference. */
  save(cameraId: number, snapshot: TamperSnapshot | null): Promise<void>;
}

const TTL_SECONDS = 30 * 24 * 3600;

export function encodeTamper(s: TamperSnapshot): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      v: 1,
      epoch: s.epoch,
      width: s.width,
      height: s.height,
      sharpness: s.samples.map((x) => x.sharpness),
      picture: s.picture ? s.picture.length : 0,
    }),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length, 0);
  return Buffer.concat([
    len,
    header,
    ...s.samples.map((x) => Buffer.from(x.image)),
    ...(s.picture ? [Buffer.from(s.picture)] : []),
  ]);
}

export function decodeTamper(buf: Buffer): TamperSnapshot | undefined {
  try {
    const len = buf.readUInt32BE(0);
    const h = JSON.parse(buf.subarray(4, 4 + len).toString("utf8")) as {
      v: number;
      epoch: number;
      width: number;
      height: number;
      sharpness: number[];
      picture: number;
    };
    if (h.v !== 1) return undefined;
    const size = Math.floor(h.width / 2) * Math.floor(h.height / 2);
    let off = 4 + len;
    if (buf.length !== off + size * h.sharpness.length + h.picture) return undefined;
    const samples = h.sharpness.map((sharpness) => {
      const image = new Uint8Array(buf.subarray(off, off + size));
      off += size;
      return { image, sharpness };
    });
    const picture = h.picture ? new Uint8Array(buf.subarray(off, off + h.picture)) : undefined;
    return { epoch: h.epoch, width: h.width, height: h.height, samples, ...(picture ? { picture } : {}) };
  } catch {
    return undefined; // unreadable: learn again
  }
}

export function redisTamperStore(redis: Redis, prefix: string): TamperStore {
  const key = (cameraId: number) => `${prefix}:analytics:tamper:${cameraId}`;
  return {
    async load(cameraId) {
      const buf = await redis.getBuffer(key(cameraId));
      return buf ? decodeTamper(buf) : undefined;
    },
    async save(cameraId, snapshot) {
      if (snapshot === null) await redis.del(key(cameraId));
      else await redis.set(key(cameraId), encodeTamper(snapshot), "EX", TTL_SECONDS);
    },
  };
}
