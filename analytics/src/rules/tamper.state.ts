/**
 * The tamper check's per-camera memory, pure (time comes with the frame): the learned reference (the
 * samples it is the median of, the epoch it belongs to), when the check last looked, and what a store
 * keeps across restarts. The verdicts are `tamper.ts`'s; persistence and cooldown are the rules engine's.
 */
import {
  buildReference,
  frameFeatures,
  judgeTamper,
  learnable,
  refreshable,
  type TamperKind,
  type TamperOptions,
  type TamperReference,
  type TamperSample,
  type TamperVerdict,
} from "./tamper.js";

/** The alert types of the tamper check, in the order they are judged. */
export const TAMPER_KINDS: readonly TamperKind[] = ["camera_covered", "camera_moved", "camera_defocused"];

export interface TamperSettings extends TamperOptions {
  /** Thumbnail the frame is judged on (sharpness at this size, structure at half). */
  width: number;
  height: number;
  /** A clean frame replaces the oldest sample at most this often (seconds). */
  refreshS: number;
  /** The camera's reference epoch: a different one than the reference was learned in starts afresh. */
  epoch: number;
}

/** What a store keeps of a camera's reference. */
export interface TamperSnapshot {
  epoch: number;
  /** The thumbnail's size; the samples are half of it. */
  width: number;
  height: number;
  samples: TamperSample[];
  /** The newest learned frame at full thumbnail size (the evidence's reference picture). */
  picture?: Uint8Array;
}

interface CameraTamper extends TamperSnapshot {
  reference?: TamperReference;
  lastMs: number;
  lastLearnMs: number;
  /** The last look's verdict (null: untampered or still learning). */
  lastKind?: TamperKind | null;
}

/** A camera's tamper timing (null: never). */
export interface TamperTiming {
  lastMs: number | null;
  lastLearnMs: number | null;
  lastKind: TamperKind | null;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export interface TamperLook {
  verdict: TamperVerdict;
  /** The reference picture (full thumbnail size, grey) for the evidence. */
  picture: { data: Uint8Array; width: number; height: number };
}

export class TamperTracker {
  private readonly cameras = new Map<number, CameraTamper>();
  private readonly dirty = new Set<number>();

  private state(cameraId: number, s: TamperSettings): CameraTamper {
    let c = this.cameras.get(cameraId);
    if (!c || c.epoch !== s.epoch || c.width !== s.width || c.height !== s.height) {
      // First frame, a new epoch (the camera was re-aimed on purpose) or another size: learn afresh.
      const had = c !== undefined;
      c = {
        epoch: s.epoch,
        width: s.width,
        height: s.height,
        samples: [],
        lastMs: Number.NEGATIVE_INFINITY,
        lastLearnMs: Number.NEGATIVE_INFINITY,
      };
      this.cameras.set(cameraId, c);
      if (had) this.dirty.add(cameraId);
    }
    return c;
  }

  /** Is a look due now (every `intervalS`, whether or not anything moved)? */
  due(cameraId: number, s: TamperSettings, intervalS: number, now: number): boolean {
    return now - this.state(cameraId, s).lastMs >= intervalS * 1000;
  }

  /**
   * Looks at a frame's tamper thumbnail: learns while the reference is incomplete (uniform or dark frames
   * are never learned), else judges it; a frame well inside every limit refreshes the reference at most
   * every `refreshS`. Undefined while learning.
   */
  look(cameraId: number, s: TamperSettings, thumb: Uint8Array, now: number): TamperLook | undefined {
    const c = this.state(cameraId, s);
    c.lastMs = now;
    const f = frameFeatures(thumb, s.width, s.height);
    const sample = { image: f.small, sharpness: f.sharpness };
    if (!c.reference || c.samples.length < s.samples) {
      if (learnable(f)) this.learn(cameraId, c, s, sample, thumb, now);
      return undefined;
    }
    const verdict = judgeTamper(c.reference, f, s);
    c.lastKind = verdict.kind;
    const picture = { data: c.picture ?? thumb, width: s.width, height: s.height };
    if (!verdict.kind && refreshable(verdict.measure, s) && now - c.lastLearnMs >= s.refreshS * 1000)
      this.learn(cameraId, c, s, sample, thumb, now);
    return { verdict, picture };
  }

  private learn(
    cameraId: number,
    c: CameraTamper,
    s: TamperSettings,
    sample: TamperSample,
    thumb: Uint8Array,
    now: number,
  ): void {
    c.samples.push(sample);
    while (c.samples.length > s.samples) c.samples.shift();
    c.picture = thumb;
    c.lastLearnMs = now;
    if (c.samples.length >= s.samples)
      c.reference = buildReference(c.samples, Math.floor(s.width / 2), Math.floor(s.height / 2));
    this.dirty.add(cameraId);
  }

  /**
   * Did the camera's last look find it covered or moved? Then its picture says nothing about the scene:
   * the clean-area check neither compares nor learns (a cover is no mess, and must not become "clean").
   */
  obscured(cameraId: number): boolean {
    const k = this.cameras.get(cameraId)?.lastKind;
    return k === "camera_covered" || k === "camera_moved";
  }

  /** When the camera was last looked at and learned from, and the last verdict (what follows it between workers). */
  timing(cameraId: number): TamperTiming | undefined {
    const c = this.cameras.get(cameraId);
    if (!c) return undefined;
    return {
      lastMs: finiteOrNull(c.lastMs),
      lastLearnMs: finiteOrNull(c.lastLearnMs),
      lastKind: c.lastKind ?? null,
    };
  }

  /** Restores timing() on a camera whose reference is loaded (nothing when it is not). */
  restoreTiming(cameraId: number, t: TamperTiming): void {
    const c = this.cameras.get(cameraId);
    if (!c) return;
    c.lastMs = t.lastMs ?? Number.NEGATIVE_INFINITY;
    c.lastLearnMs = t.lastLearnMs ?? Number.NEGATIVE_INFINITY;
    c.lastKind = t.lastKind;
  }

  /** Lets go of what this process holds of a camera, without forgetting the stored reference (not a change). */
  drop(cameraId: number): void {
    this.cameras.delete(cameraId);
    this.dirty.delete(cameraId);
  }

  /** Forget a camera's reference (relearn from the next frames). */
  reset(cameraId: number): void {
    if (this.cameras.delete(cameraId)) this.dirty.add(cameraId);
  }

  /** The camera's reference if it changed since the last call (for a store); null: it was forgotten. */
  takeChanges(cameraId: number): TamperSnapshot | null | undefined {
    if (!this.dirty.delete(cameraId)) return undefined;
    const c = this.cameras.get(cameraId);
    if (!c) return null;
    return {
      epoch: c.epoch,
      width: c.width,
      height: c.height,
      samples: [...c.samples],
      ...(c.picture ? { picture: c.picture } : {}),
    };
  }

  /** Restores a reference kept across a restart (ignored when malformed). */
  restore(cameraId: number, snap: TamperSnapshot, samplesNeeded: number): void {
    const n = Math.floor(snap.width / 2) * Math.floor(snap.height / 2);
    if (snap.samples.some((x) => x.image.length !== n || !Number.isFinite(x.sharpness))) return;
    if (snap.picture && snap.picture.length !== snap.width * snap.height) return;
    const c: CameraTamper = {
      ...snap,
      samples: [...snap.samples],
      lastMs: Number.NEGATIVE_INFINITY,
      lastLearnMs: Number.NEGATIVE_INFINITY,
    };
    if (c.samples.length >= samplesNeeded)
      c.reference = buildReference(c.samples, Math.floor(c.width / 2), Math.floor(c.height / 2));
    this.cameras.set(cameraId, c);
  }
}
