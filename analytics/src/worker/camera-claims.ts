/**
 * Several analytics workers (separate processes, any machines) share the `frames` queue; what keeps a
 * camera's rules whole is in Redis, per camera, changed only by two Lua scripts (atomic on the server):
 *
 * - `claim` (before a frame is analysed): newest wins across workers — the frame is `superseded` when the
 *   camera's newest admitted capture time is later (or the same time, claimed by another frame); else it
 *   becomes the newest and, when no other worker holds the camera's lock, takes it (a token, with a TTL so
 *   that a dead worker's lock lapses) and gets the camera's rule state — only when another worker saved it
 *   since this one did (`seq` differs from the one this worker last saved), so a lone worker reads nothing
 *   back. A frame whose camera is `busy` waits (see FrameProcessor).
 * - `release` (after): saves the rule state, bumps `seq` and frees the lock — only while the lock is still
 *   this analysis's (owner-checked), so a worker whose lock lapsed cannot overwrite another's state.
 *
 * One round trip each: two per analysed frame, on top of what the worker did before.
 */
import { randomUUID } from "node:crypto";
import { REDIS_KEYS, type Redis } from "@mingfang/core";

const CLAIM = `
local cap = tonumber(ARGV[1])
local n = redis.call('GET', KEYS[1])
if n then
  local sep = string.find(n, ':', 1, true)
  local ms = tonumber(string.sub(n, 1, sep - 1))
  if cap < ms or (cap == ms and string.sub(n, sep + 1) ~= ARGV[2]) then return {0} end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[5])
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {1} end
local seq = redis.call('HGET', KEYS[3], 'seq')
if not seq then return {2, ''} end
if seq == ARGV[4] then return {2, seq} end
return {2, seq, redis.call('HGET', KEYS[3], 'data')}
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('HSET', KEYS[2], 'data', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('DEL', KEYS[1])
return seq
`;

export interface CameraClaimsOptions {
  /** How long a camera's lock outlives a worker that died holding it (an analysis takes well under this). */
  lockTtlMs?: number;
  /**
   * How long a camera's newest capture time is kept after it was set: twice maxFrameAgeS. Past that, any
   * frame older than it is stale anyway; and an ingest node whose clock ran ahead cannot leave a time in
   * the future that would drop the camera's frames for longer.
   */
  newestTtlMs?: number;
}
/** A camera's rule state outlives its last frame this long (as its baselines). */
const STATE_TTL_S = 30 * 24 * 3600;

export type Claim =
  | { outcome: "superseded" }
  | { outcome: "busy" }
  /** `state`: the rule state another worker left (null: none stored), or undefined when this worker's own is current. */
  | { outcome: "claimed"; token: string; seq: string; state?: Buffer | null };

export interface CameraClaims {
  /**
   * Claims a frame's camera. `token`: the same for every attempt of one frame (a waiting frame's retry
   * keeps its place as the newest); `knownSeq`: the state seq this worker last saved for the camera.
   */
  claim(cameraId: number, capturedMs: number, token: string, knownSeq: string | undefined): Promise<Claim>;
  /** Saves the state and frees the lock; the new seq, or undefined when the lock was no longer this token's. */
  release(cameraId: number, token: string, state: Buffer): Promise<string | undefined>;
  /** A token for a frame's attempts. */
  token(): string;
}

type Scripted = Redis & {
  mingfangClaim(...args: (string | number)[]): Promise<[number, string?, Buffer?]>;
  mingfangRelease(...args: (string | number | Buffer)[]): Promise<number>;
};

/** The claims on a Redis connection (its key prefix applies, as for every key of REDIS_KEYS). */
export function redisCameraClaims(redis: Redis, opts: CameraClaimsOptions = {}): CameraClaims {
  const lockTtlMs = opts.lockTtlMs ?? 20_000;
  const newestTtlMs = opts.newestTtlMs ?? 20_000;
  const r = redis as Scripted;
  if (!("mingfangClaim" in r)) {
    redis.defineCommand("mingfangClaim", { numberOfKeys: 3, lua: CLAIM });
    redis.defineCommand("mingfangRelease", { numberOfKeys: 2, lua: RELEASE });
  }
  return {
    token: () => randomUUID(),
    async claim(cameraId, capturedMs, token, knownSeq) {
      const res = await (
        r as unknown as { mingfangClaimBuffer: Scripted["mingfangClaim"] }
      ).mingfangClaimBuffer(
        REDIS_KEYS.analyticsCameraNewest(cameraId),
        REDIS_KEYS.analyticsCameraLock(cameraId),
        REDIS_KEYS.analyticsCameraState(cameraId),
        Math.round(capturedMs),
        token,
        lockTtlMs,
        knownSeq ?? "",
        newestTtlMs,
      );
      if (res[0] === 0) return { outcome: "superseded" };
      if (res[0] === 1) return { outcome: "busy" };
      const seq = String(res[1] ?? "");
      if (seq === "") return { outcome: "claimed", token, seq, state: null };
      return res.length > 2
        ? { outcome: "claimed", token, seq, state: res[2] as Buffer }
        : { outcome: "claimed", token, seq };
    },
    async release(cameraId, token, state) {
      const seq = await r.mingfangRelease(
        REDIS_KEYS.analyticsCameraLock(cameraId),
        REDIS_KEYS.analyticsCameraState(cameraId),
        token,
        state,
        STATE_TTL_S,
      );
      return seq < 0 ? undefined : String(seq);
    },
  };
}
