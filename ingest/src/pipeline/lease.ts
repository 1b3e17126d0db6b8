/**
 * A camera's lease in Redis: the one ingest node that may run the camera's ffmpeg processes. The lease key
 * (REDIS_KEYS.ingestLease) holds `<fencing token>:<node id>` with a TTL; the token comes from the camera's
 * counter (REDIS_KEYS.ingestFence, INCR at every acquisition), so it only ever grows. Acquisition takes a
 * free lease only (SET NX PX inside one script with the INCR); renewal and release are compare-and-set on
 * the exact value, so a node whose lease expired and was taken by another can neither extend nor delete
 * the new holder's lease. The camera's status is written through the same check: a node that lost the
 * lease cannot overwrite the new owner's status. See docs/scaling.md, "Ingest nodes".
 */
import { type CameraStatus, REDIS_KEYS, type Redis } from "@mingfang/core";
import { STATUS_TTL_SECONDS, type StatusSink } from "./sinks.js";

/** A lease this node holds. */
export interface Lease {
  cameraId: number;
  nodeId: string;
  /** Fencing token: greater than every earlier holder's. */
  token: number;
}

/** KEYS: lease, fence. ARGV: node id, ttl ms. Returns the new token, or 0 when another node holds it. */
const ACQUIRE = `
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, ':', 1, true)
  if not sep or string.sub(v, sep + 1) ~= ARGV[1] then return 0 end
end
local t = redis.call('INCR', KEYS[2])
if v then
  redis.call('SET', KEYS[1], t .. ':' .. ARGV[1], 'XX', 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], t .. ':' .. ARGV[1], 'NX', 'PX', ARGV[2])
end
return t`;

/** KEYS: lease. ARGV: expected value, ttl ms. 1: renewed; 0: not ours any more. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** KEYS: lease. ARGV: expected value. 1: released; 0: not ours (expired, or another holds it). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

/** KEYS: lease, status. ARGV: expected lease value, status JSON, status TTL s, channel. */
const FENCED_STATUS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[2])
return 1`;

export function leaseValue(lease: Lease): string {
  return `${lease.token}:${lease.nodeId}`;
}

/** `<token>:<node>` → its parts; undefined for anything else. */
export function parseLeaseValue(v: string | null): { token: number; nodeId: string } | undefined {
  if (!v) return undefined;
  const sep = v.indexOf(":");
  const token = Number(v.slice(0, sep));
  if (sep <= 0 || !Number.isSafeInteger(token) || token <= 0) return undefined;
  return { token, nodeId: v.slice(sep + 1) };
}

export class CameraLeases {
  constructor(
    private readonly redis: Redis,
    readonly nodeId: string,
    readonly ttlMs: number,
  ) {
    if (!nodeId || nodeId.includes(":")) throw new Error(`invalid ingest node id: ${JSON.stringify(nodeId)}`);
    if (!Number.isInteger(ttlMs) || ttlMs < 1000) throw new Error(`lease TTL too short: ${ttlMs} ms`);
  }

  /** The camera's lease for this node when it is free (or already this node's: a new token); else undefined. */
  async acquire(cameraId: number): Promise<Lease | undefined> {
    const token = Number(
      await this.redis.eval(
        ACQUIRE,
        2,
        REDIS_KEYS.ingestLease(cameraId),
        REDIS_KEYS.ingestFence(cameraId),
        this.nodeId,
        this.ttlMs,
      ),
    );
    return token > 0 ? { cameraId, nodeId: this.nodeId, token } : undefined;
  }

  /** Extends the lease by a TTL; false when it is no longer this exact lease (expired or taken). */
  async renew(lease: Lease): Promise<boolean> {
    const key = REDIS_KEYS.ingestLease(lease.cameraId);
    return Number(await this.redis.eval(RENEW, 1, key, leaseValue(lease), this.ttlMs)) === 1;
  }

  /** Gives the lease up; false when it was not held any more (nothing was deleted). */
  async release(lease: Lease): Promise<boolean> {
    const key = REDIS_KEYS.ingestLease(lease.cameraId);
    return Number(await this.redis.eval(RELEASE, 1, key, leaseValue(lease))) === 1;
  }

  /** Who holds the camera's lease now, if anyone. */
  async holder(cameraId: number): Promise<{ token: number; nodeId: string } | undefined> {
    return parseLeaseValue(await this.redis.get(REDIS_KEYS.ingestLease(cameraId)));
  }
}

/**
 * The camera status as the ingest writes it (RedisStatusSink's key and channel), with the owning node,
 * written only while the node still holds the camera's lease: the last status of a node that lost the
 * camera never overwrites the new owner's.
 */
export class FencedStatusSink implements StatusSink {
  constructor(
    private readonly redis: Redis,
    private readonly leaseOf: (cameraId: number) => Lease | undefined,
  ) {}

  async publish(status: CameraStatus): Promise<void> {
    const lease = this.leaseOf(status.cameraId);
    if (!lease) return;
    const json = JSON.stringify({ ...status, node: lease.nodeId });
    await this.redis.eval(
      FENCED_STATUS,
      2,
      REDIS_KEYS.ingestLease(status.cameraId),
      REDIS_KEYS.cameraStatus(status.cameraId),
      leaseValue(lease),
      json,
      STATUS_TTL_SECONDS,
      REDIS_KEYS.cameraStatusChannel,
    );
  }
}
