/**
 * Keeps the learned clean baselines in Redis, so that a restarted worker does not learn a messy zone as
 * its new "clean" (it would otherwise relearn from its first evaluations). One key per camera:
 * `<prefix>:analytics:baseline:<cameraId>`, a small binary record (JSON header + the samples), 30 days.
 */
import type { Redis } from "@mingfang/core";
import type { BaselineSnapshot } from "../rules/rules.engine.js";

export interface BaselineStore {
  load(cameraId: number): Promise<Record<string, BaselineSnapshot> | undefined>;
  save(cameraId: number, baselines: Record<string, BaselineSnapshot>): Promise<void>;
}

const TTL_SECONDS = 30 * 24 * 3600;

export function encodeBaselines(b: Record<string, BaselineSnapshot>): Buffer {
  const zones = Object.entries(b).map(([zone, s]) => ({
    zone,
    width: s.width,
    height: s.height,
    n: s.samples.length,
  }));
  const header = Buffer.from(JSON.stringify({ v: 1, zones }));
  const parts: Buffer[] = [Buffer.alloc(4), header];
  parts[0]?.writeUInt32BE(header.length, 0);
  for (const [, s] of Object.entries(b)) {
    for (let i = 0; i < s.samples.length; i++) {
      parts.push(Buffer.from(s.samples[i] as Uint8Array), Buffer.from(s.valid[i] as Uint8Array));
    }
  }
  return Buffer.concat(parts);
}

export function decodeBaselines(buf: Buffer): Record<string, BaselineSnapshot> | undefined {
  try {
    const len = buf.readUInt32BE(0);
    const header = JSON.parse(buf.subarray(4, 4 + len).toString("utf8")) as {
      v: number;
      zones: { zone: string; width: number; height: number; n: number }[];
    };
    if (header.v !== 1) return undefined;
    let off = 4 + len;
    const out: Record<string, BaselineSnapshot> = {};
    for (const z of header.zones) {
      const size = z.width * z.height;
      const samples: Uint8Array[] = [];
      const valid: Uint8Array[] = [];
      for (let i = 0; i < z.n; i++) {
        if (off + 2 * size > buf.length) return undefined;
        samples.push(new Uint8Array(buf.subarray(off, off + size)));
        valid.push(new Uint8Array(buf.subarray(off + size, off + 2 * size)));
        off += 2 * size;
      }
      out[z.zone] = { width: z.width, height: z.height, samples, valid };
    }
    return out;
  } catch {
    return undefined; // unreadable: learn again
  }
}

export function redisBaselineStore(redis: Redis, prefix: string): BaselineStore {
  const key = (cameraId: number) => `${prefix}:analytics:baseline:${cameraId}`;
  return {
    async load(cameraId) {
      const buf = await redis.getBuffer(key(cameraId));
      return buf ? decodeBaselines(buf) : undefined;
    },
    async save(cameraId, baselines) {
      await redis.set(key(cameraId), encodeBaselines(baselines), "EX", TTL_SECONDS);
    },
  };
}
