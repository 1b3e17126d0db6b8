/**
 * The live ingest nodes: each node renews its entry in a sorted set (REDIS_KEYS.ingestNodes, score = the
 * entry's expiry in Redis' own clock, so the machines' clocks never matter) and a heartbeat key with what
 * it runs (REDIS_KEYS.ingestNode). An entry not renewed within the TTL is dropped by the next heartbeat of
 * any node: a SIGKILLed node leaves the set after one TTL.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { REDIS_KEYS, type Redis } from "@mingfang/core";

/** What a node's heartbeat key holds (JSON). */
export interface IngestNodeInfo {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  /** The cameras it holds leases for now. */
  cameras: number[];
  /** Lease moves since it started, by reason (the ingest has no metrics registry of its own). */
  leaseMoves: Record<string, number>;
}

/** KEYS: nodes, node key. ARGV: node id, ttl ms, info JSON. Returns the live node ids. */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')`;

/** A node id: `<hostname>-<pid>-<random>` (no ':', the lease value's separator). */
export function defaultNodeId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, "_") || "host";
  return `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

export class NodeRegistry {
  readonly startedAt = new Date().toISOString();

  constructor(
    private readonly redis: Redis,
    readonly nodeId: string,
    private readonly ttlMs: number,
  ) {}

  /** Renews this node and returns the live nodes (this one included), sorted. */
  async heartbeat(info: Pick<IngestNodeInfo, "cameras" | "leaseMoves">): Promise<string[]> {
    const full: IngestNodeInfo = {
      id: this.nodeId,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      ...info,
    };
    const live = (await this.redis.eval(
      HEARTBEAT,
      2,
      REDIS_KEYS.ingestNodes,
      REDIS_KEYS.ingestNode(this.nodeId),
      this.nodeId,
      this.ttlMs,
      JSON.stringify(full),
    )) as string[];
    return [...live].sort();
  }

  /** Leaves the set at once (a clean shutdown): the others take the cameras without waiting a TTL. */
  async leave(): Promise<void> {
    await this.redis
      .multi()
      .zrem(REDIS_KEYS.ingestNodes, this.nodeId)
      .del(REDIS_KEYS.ingestNode(this.nodeId))
      .exec();
  }
}
