/**
 * One ingest node's share of the cameras, when several nodes share them (docs/scaling.md, "Ingest nodes").
 *
 *   - Every `rebalanceMs` (and at once when the set of live nodes changes) the node heartbeats, reads the
 *     live nodes and the enabled cameras, and computes its desired set by rendezvous hashing. It stops the
 *     cameras it should no longer run (ffmpeg first, then the lease is released) and acquires the free
 *     leases of the ones it should run; a camera starts only after its lease was acquired. While a wanted
 *     lease is still held elsewhere (its old node is stopping it, or died), it retries every 500 ms.
 *   - Every TTL/5 it renews its leases. A lease found taken or expired is lost: the camera stops at once.
 *   - A watchdog stops every camera whose last successful renewal was sent more than TTL/2 ago (Redis
 *     unreachable, the process starved): its ffmpeg is gone before the lease can expire, so a new owner
 *     never runs alongside it.
 */
import { performance } from "node:perf_hooks";
import type { Logger, Redis } from "@mingfang/core";
import { CameraLeases, type Lease } from "./lease.js";
import { NodeRegistry } from "./node-registry.js";
import { rendezvousOwner } from "./rendezvous.js";

export type LeaseMoveReason = "acquired" | "rebalance" | "lost" | "disabled" | "shutdown";

/** What the assigner asks of the ingest service. */
export interface AssignerHooks {
  /** The enabled cameras this node may run. */
  candidates(): Promise<number[]>;
  /** Starts the camera (its lease is held); false when it cannot run (no spec, undecryptable URL). */
  start(cameraId: number): Promise<boolean>;
  /** Stops the camera's processes; resolves once they have exited. */
  stop(cameraId: number): Promise<void>;
  /** Runs fn after the service's pending camera changes (one change at a time). */
  serial(fn: () => Promise<void>): Promise<void>;
}

export interface AssignerOptions {
  redis: Redis;
  nodeId: string;
  ttlMs: number;
  logger: Logger;
  /** Period of the rebalance; default min(2 s, TTL/4). */
  rebalanceMs?: number;
  /** Called on each lease move (the node's metrics count them). */
  onMove?: (reason: LeaseMoveReason) => void;
}

/** Monotonic milliseconds: a wall-clock step must not fake or hide a renewal's age. */
const now = () => performance.now();

interface Held {
  lease: Lease;
  /** When the last successful renewal (or the acquisition) was sent. */
  renewedAt: number;
  stopping: boolean;
  /** Stopping to hand the camera to another node: its last statuses ("disabled") are not written. */
  handover: boolean;
}

export class CameraAssigner {
  readonly leases: CameraLeases;
  readonly registry: NodeRegistry;
  private readonly held = new Map<number, Held>();
  private readonly moves: Record<string, number> = {};
  private readonly log: Logger;
  private readonly rebalanceMs: number;
  private nodes: string[] = [];
  private timers: NodeJS.Timeout[] = [];
  private tickTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticking = false;
  private hooks: AssignerHooks | undefined;
  private wanted: { key: string; set: Set<number> } | undefined;

  constructor(private readonly o: AssignerOptions) {
    this.leases = new CameraLeases(o.redis, o.nodeId, o.ttlMs);
    this.registry = new NodeRegistry(o.redis, o.nodeId, o.ttlMs);
    this.log = o.logger.child({ component: "ingest-node", node: o.nodeId });
    this.rebalanceMs = o.rebalanceMs ?? Math.min(2000, Math.floor(o.ttlMs / 4));
  }

  get nodeId(): string {
    return this.o.nodeId;
  }

  /** The lease under which the camera's status is written (none once lost, released or handed over). */
  leaseOf(cameraId: number): Lease | undefined {
    const h = this.held.get(cameraId);
    return h && !h.handover ? h.lease : undefined;
  }

  owns(cameraId: number): boolean {
    return this.held.has(cameraId);
  }

  ownedIds(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Lease moves since start, by reason. */
  leaseMoves(): Record<string, number> {
    return { ...this.moves };
  }

  async start(hooks: AssignerHooks): Promise<void> {
    this.hooks = hooks;
    // Join the set first and give nodes started at the same time one rebalance period to see each other:
    // a node that took every camera and gave half of them away a second later would cost those cameras
    // a stop and a second start.
    await this.heartbeat();
    await new Promise((r) => setTimeout(r, this.rebalanceMs));
    await this.runTick();
    const keepalive = setInterval(() => void this.keepalive(), Math.max(200, Math.floor(this.o.ttlMs / 5)));
    const watchdog = setInterval(() => void this.watchdog(), Math.max(100, Math.floor(this.o.ttlMs / 20)));
    this.timers = [keepalive, watchdog];
    this.log.info({ cameras: this.held.size, nodes: this.nodes.length }, "ingest node joined");
  }

  /** A rebalance soon (a camera was created or enabled). */
  nudge(delayMs = 0): void {
    if (this.stopped || !this.hooks) return;
    clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => void this.runTick(), delayMs);
  }

  /** The service stopped a camera on its own (disabled, deleted): give its lease back. */
  async forget(cameraId: number): Promise<void> {
    const h = this.held.get(cameraId);
    if (!h) return;
    this.held.delete(cameraId);
    await this.leases.release(h.lease).catch(() => false);
    this.count("disabled");
  }

  /** Stops every camera (ffmpeg first), releases the leases and leaves the node set. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.tickTimer);
    const ids = [...this.held.keys()];
    await Promise.all(ids.map((id) => this.giveUp(id, "shutdown")));
    await this.registry.leave().catch((err) => this.log.warn({ err }, "node not removed from the set"));
  }

  private count(reason: LeaseMoveReason): void {
    this.moves[reason] = (this.moves[reason] ?? 0) + 1;
    this.o.onMove?.(reason);
  }

  private async runTick(): Promise<void> {
    if (this.stopped || !this.hooks || this.ticking) return;
    this.ticking = true;
    let pending = 0;
    try {
      await this.hooks.serial(async () => {
        pending = await this.rebalance();
      });
    } catch (err) {
      this.log.warn({ err }, "rebalance failed");
    } finally {
      this.ticking = false;
    }
    if (!this.stopped) this.nudge(pending > 0 ? Math.min(500, this.rebalanceMs) : this.rebalanceMs);
  }

  /** One rebalance; returns how many wanted cameras are still held elsewhere. */
  private async rebalance(): Promise<number> {
    const hooks = this.hooks!;
    this.nodes = await this.heartbeat();
    const ids = await hooks.candidates();
    const enabled = new Set(ids);
    const want = this.desired(ids);
    const leaving = [...this.held].filter(([id, h]) => !want.has(id) && !h.stopping).map(([id]) => id);
    await Promise.all(leaving.map((id) => this.giveUp(id, enabled.has(id) ? "rebalance" : "disabled")));
    let pending = 0;
    for (const id of want) {
      if (this.stopped) break;
      if (this.held.has(id)) continue;
      if (!(await this.take(id))) pending++;
    }
    return pending;
  }

  /** The cameras this node should run, recomputed only when the nodes or the cameras changed. */
  private desired(ids: number[]): Set<number> {
    const key = `${this.nodes.join()}|${ids.join()}`;
    if (this.wanted?.key !== key) {
      const set = new Set(ids.filter((id) => rendezvousOwner(id, this.nodes) === this.o.nodeId));
      this.wanted = { key, set };
    }
    return this.wanted.set;
  }

  private heartbeat(): Promise<string[]> {
    return this.registry.heartbeat({ cameras: this.ownedIds(), leaseMoves: this.moves });
  }

  /** Acquires the camera's lease and starts it; false while another node holds the lease. */
  private async take(id: number): Promise<boolean> {
    const sentAt = now();
    const lease = await this.leases.acquire(id);
    if (!lease) return false;
    this.held.set(id, { lease, renewedAt: sentAt, stopping: false, handover: false });
    this.count("acquired");
    this.log.info({ cameraId: id, token: lease.token }, "camera lease acquired");
    if (await this.hooks!.start(id)) return true;
    // Nothing to run (the spec vanished meanwhile): hand the lease back.
    this.held.delete(id);
    await this.leases.release(lease).catch(() => false);
    return true;
  }

  /** Stops the camera, then releases its lease (the new owner can only start after our ffmpeg exited). */
  private async giveUp(id: number, reason: LeaseMoveReason): Promise<void> {
    const h = this.held.get(id);
    if (!h || h.stopping) return;
    h.stopping = true;
    h.handover = reason === "rebalance";
    await this.hooks?.stop(id);
    // Lost meanwhile (the watchdog or a failed renewal took it): already counted.
    if (this.held.get(id) !== h) return;
    this.held.delete(id);
    await this.leases.release(h.lease).catch((err) => this.log.warn({ err }, "lease not released"));
    this.count(reason);
    this.log.info({ cameraId: id, reason }, "camera lease released");
  }

  /** The camera is no longer ours: stop it now, outside the service's queue of changes. */
  private async lose(id: number, why: string): Promise<void> {
    const h = this.held.get(id);
    if (!h) return;
    this.held.delete(id);
    this.count("lost");
    this.log.warn({ cameraId: id, why }, "camera lease lost: stopping its processes");
    await this.hooks?.stop(id);
    await this.leases.release(h.lease).catch(() => false);
  }

  private async keepalive(): Promise<void> {
    if (this.stopped) return;
    await Promise.all(
      [...this.held.values()].map(async (h) => {
        const sentAt = now();
        const ok = await this.leases.renew(h.lease).catch(() => undefined);
        if (ok === true && this.held.get(h.lease.cameraId) === h) h.renewedAt = sentAt;
        else if (ok === false) await this.lose(h.lease.cameraId, "taken or expired");
      }),
    );
    const nodes = await this.heartbeat().catch((err) => {
      this.log.warn({ err }, "heartbeat failed");
      return undefined;
    });
    if (nodes && nodes.join() !== this.nodes.join()) {
      this.log.info({ nodes }, "ingest nodes changed");
      this.nudge();
    }
  }

  /** Stops every camera whose lease may be about to expire unrenewed. */
  private async watchdog(): Promise<void> {
    const limit = now() - this.o.ttlMs / 2;
    // All at once: one after the other, a thousand cameras' stops would outlast the leases.
    const late = [...this.held.values()].filter((h) => h.renewedAt < limit);
    await Promise.all(late.map((h) => this.lose(h.lease.cameraId, "not renewed for half its TTL")));
  }
}
