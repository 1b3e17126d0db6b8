/**
 * The three checks as data-driven rules over a frame's observations: zones, schedule, threshold,
 * persistence (k of n analysed frames), cooldown, motion gating, and for `unclean_area` the learned clean
 * baseline. Holds the per-camera state (previous thumbnail, persistence windows, baselines, cooldowns);
 * pure otherwise — no I/O, time comes with the frame.
 */
import type { Box, FrameObservation, FramePlan } from "../analysis/frame.pipeline.js";
import type { CameraRules, CheckName } from "../config.schema.js";
import { expandRect } from "../pre/letterbox.js";
import { compareToBaseline, maskBounds, medianImage } from "./baseline.js";
import { Cooldown, KOfN } from "./persistence.js";
import type { CameraRuleState } from "./rule-state.js";
import { isScheduled } from "./schedule.js";
import { TAMPER_KINDS, type TamperSettings, TamperTracker } from "./tamper.state.js";
import { boxInZone, polygonMask, type Zone } from "./zone.js";

export interface Violation {
  type: string;
  confidence: number;
  /** Frame pixels, with labels. */
  boxes: Box[];
  zone?: string;
  /** Which model(s) and rule produced it. */
  model: string;
  /** A tamper alert's reference picture (grey), shown beside the frame in its evidence. */
  reference?: { data: Uint8Array; width: number; height: number };
}

/** Which models exist (a check whose model is missing cannot be armed). */
export interface Capabilities {
  person: boolean;
  pose: boolean;
  glove: boolean;
  headcover: boolean;
  /** The face-crop mask classifier (no_mask; also needs person and pose). */
  mask?: boolean;
  /** Custom detectors: name → the violation types its class map can produce. */
  custom: Map<string, Set<string>>;
  /** Models that failed to load: name → reason. */
  broken: Record<string, string>;
  /** Model names for the record. */
  names: { person?: string; glove?: string; headcover?: string; mask?: string };
  /** Configured model name → `<card name>@<version>` of the loaded model (what an alert records). */
  versions?: Record<string, string>;
}

/** A zone's learned baseline: the samples it is the median of (what a store keeps across restarts). */
export interface BaselineSnapshot {
  width: number;
  height: number;
  samples: Uint8Array[];
  valid: Uint8Array[];
}

interface BaselineState {
  samples: Uint8Array[];
  valid: Uint8Array[];
  image?: Uint8Array;
  seen?: Uint8Array;
  width: number;
  height: number;
}

interface CameraState {
  prevThumb?: Uint8Array;
  persistence: Map<string, KOfN>;
  baselines: Map<string, BaselineState>;
  lastUncleanMs: number;
  /** Capture time (ms) of the newest frame seen: older frames are superseded. */
  newestMs: number;
  /** Baselines changed since the last snapshot was taken. */
  baselinesDirty: boolean;
}

/** The checks judged on a frame's observations, in the order they are judged (tamper has its own path). */
const FRAME_CHECKS = ["no_gloves", "no_hat", "no_mask", "unclean_area"] as const;

const WHOLE_FRAME: Zone = {
  name: "全画面",
  points: [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ],
};

/** A violating box a check found, in which zone, with what score. */
interface Hit {
  box: Box;
  zone: string;
  score: number;
}

/** The zones a check looks at: those it names, or the whole frame. */
function zonesOf(rules: CameraRules, check: CheckName): Zone[] {
  const names = rules.checks[check].zones;
  return names.length ? rules.zones.filter((z) => names.includes(z.name)) : [WHOLE_FRAME];
}

/** The first of the zones that holds the box's centre. */
function inZones(b: Box, zones: Zone[], obs: FrameObservation): Zone | undefined {
  const norm = {
    x1: b.x1 / obs.width,
    y1: b.y1 / obs.height,
    x2: b.x2 / obs.width,
    y2: b.y2 / obs.height,
  };
  return zones.find((z) => boxInZone(norm, z, "center"));
}

/** A custom detector's detections of this violation type at or above the threshold, inside the zones. */
function customHits(
  check: CheckName,
  dets: FrameObservation["custom"][string] | undefined,
  threshold: number,
  zones: Zone[],
  obs: FrameObservation,
): Hit[] | undefined {
  if (!dets) return undefined;
  const hits: Hit[] = [];
  for (const d of dets) {
    if (d.violation !== check || d.score < threshold) continue;
    const z = inZones(d, zones, obs);
    if (z) hits.push({ box: d, zone: z.name, score: d.score });
  }
  return hits;
}

/** Hands or heads whose violation score is at or above the threshold, inside the zones. */
function partHits(
  parts: FrameObservation["hands"] | FrameObservation["heads"],
  threshold: number,
  zones: Zone[],
  obs: FrameObservation,
): Hit[] {
  const hits: Hit[] = [];
  for (const p of parts) {
    if (p.violation < threshold) continue;
    const z = inZones(p, zones, obs);
    if (z) hits.push({ box: p, zone: z.name, score: p.violation });
  }
  return hits;
}

/** The violating boxes, labelled with the check, and for a people check the persons they belong to. */
function violationBoxes(check: CheckName, hits: Hit[], obs: FrameObservation): Box[] {
  const boxes: Box[] = [...hits.map((h) => ({ ...h.box, label: check, score: h.score }))];
  if (check !== "unclean_area") {
    // The persons the violating parts belong to, for context.
    for (const h of hits) {
      const pi = (h.box as { person?: number }).person;
      const person = pi !== undefined ? obs.persons[pi] : undefined;
      if (person && !boxes.includes(person)) boxes.push(person);
    }
  }
  return boxes;
}

export class RulesEngine {
  private readonly cameras = new Map<number, CameraState>();
  private readonly cooldown = new Cooldown();
  /** The tamper check's learned references (per camera). */
  readonly tamper = new TamperTracker();

  constructor(
    private readonly caps: Capabilities,
    private readonly thumb: { width: number; height: number },
  ) {}

  private state(cameraId: number): CameraState {
    let s = this.cameras.get(cameraId);
    if (!s) {
      s = {
        persistence: new Map(),
        baselines: new Map(),
        lastUncleanMs: Number.NEGATIVE_INFINITY,
        newestMs: Number.NEGATIVE_INFINITY,
        baselinesDirty: false,
      };
      this.cameras.set(cameraId, s);
    }
    return s;
  }

  /** Records a frame's capture time; false when a newer frame of that camera was already taken (newest wins). */
  admit(cameraId: number, capturedMs: number): boolean {
    const s = this.state(cameraId);
    if (capturedMs <= s.newestMs) return false;
    s.newestMs = capturedMs;
    return true;
  }

  /** The camera's rule state that must follow its frames to another worker (rule-state.ts). */
  exportRuleState(cameraId: number): CameraRuleState {
    const s = this.state(cameraId);
    const persistence: CameraRuleState["persistence"] = {};
    for (const [key, p] of s.persistence) persistence[key] = { k: p.k, n: p.n, window: [...p.verdicts()] };
    const tamper = this.tamper.timing(cameraId);
    return {
      persistence,
      cooldown: this.cooldown.firings(`${cameraId}:`),
      lastUncleanMs: Number.isFinite(s.lastUncleanMs) ? s.lastUncleanMs : null,
      ...(s.prevThumb ? { prevThumb: s.prevThumb } : {}),
      ...(tamper ? { tamper } : {}),
    };
  }

  /** Takes over a camera's rule state left by another worker (after its baselines and reference are restored). */
  importRuleState(cameraId: number, r: CameraRuleState): void {
    const s = this.state(cameraId);
    s.persistence.clear();
    for (const [key, p] of Object.entries(r.persistence)) {
      if (Number.isInteger(p.k) && Number.isInteger(p.n) && p.k >= 1 && p.n >= p.k)
        s.persistence.set(key, KOfN.of(p.k, p.n, p.window));
    }
    this.cooldown.restore(`${cameraId}:`, r.cooldown);
    s.lastUncleanMs = r.lastUncleanMs ?? Number.NEGATIVE_INFINITY;
    if (r.prevThumb) s.prevThumb = r.prevThumb;
    else delete s.prevThumb;
    if (r.tamper) this.tamper.restoreTiming(cameraId, r.tamper);
  }

  /**
   * Lets go of what this process holds of a camera apart from its newest capture time (another worker
   * analysed it since: its baselines, reference and rule state are read again from the stores).
   */
  forgetCamera(cameraId: number): void {
    const newestMs = this.cameras.get(cameraId)?.newestMs ?? Number.NEGATIVE_INFINITY;
    this.cameras.delete(cameraId);
    this.state(cameraId).newestMs = newestMs;
    this.cooldown.restore(`${cameraId}:`, {});
    this.tamper.drop(cameraId);
  }

  /** Forget a camera's learned baselines (the operator says: this is clean now). */
  resetBaseline(cameraId: number): void {
    const s = this.state(cameraId);
    s.baselines.clear();
    s.baselinesDirty = true;
  }

  /** The camera's baselines if they changed since the last call (for a store), else undefined. */
  takeBaselineChanges(cameraId: number): Record<string, BaselineSnapshot> | undefined {
    const s = this.state(cameraId);
    if (!s.baselinesDirty) return undefined;
    s.baselinesDirty = false;
    const out: Record<string, BaselineSnapshot> = {};
    for (const [zone, b] of s.baselines)
      out[zone] = { width: b.width, height: b.height, samples: [...b.samples], valid: [...b.valid] };
    return out;
  }

  /** Restores baselines kept across a restart (before the camera's first frame is evaluated). */
  restoreBaselines(cameraId: number, snapshot: Record<string, BaselineSnapshot>): void {
    const s = this.state(cameraId);
    for (const [zone, b] of Object.entries(snapshot)) {
      const n = b.width * b.height;
      if (
        !b.samples.length ||
        b.samples.length !== b.valid.length ||
        b.samples.some((x) => x.length !== n) ||
        b.valid.some((x) => x.length !== n)
      )
        continue;
      const m = medianImage(b.samples, b.valid);
      s.baselines.set(zone, {
        samples: [...b.samples],
        valid: [...b.valid],
        width: b.width,
        height: b.height,
        image: m.image,
        seen: m.seen,
      });
    }
  }

  /**
   * The reasons why armed checks cannot run on this camera now because a model they need is broken
   * (present but unusable); empty when none.
   */
  brokenFor(rules: CameraRules, at: Date): string[] {
    const out: string[] = [];
    const b = this.caps.broken;
    for (const check of FRAME_CHECKS) {
      const c = rules.checks[check];
      if (!c.enabled || !isScheduled(c.schedule ?? rules.schedule, at)) continue;
      const needs =
        c.source.type === "yolo"
          ? [c.source.model]
          : check === "no_gloves"
            ? ["person", "pose", "glove"]
            : check === "no_hat"
              ? ["person", "headcover"]
              : check === "no_mask"
                ? ["person", "pose", "mask"]
                : [];
      for (const n of needs) if (b[n]) out.push(`${check}: ${b[n]}`);
    }
    return out;
  }

  /** Is the check armed now, and can it run with the models present? */
  armed(rules: CameraRules, check: CheckName, at: Date): boolean {
    const c = rules.checks[check];
    if (!c.enabled) return false;
    if (!isScheduled(c.schedule ?? rules.schedule, at)) return false;
    if (c.source.type === "yolo") return this.caps.custom.get(c.source.model)?.has(check) ?? false;
    if (check === "no_gloves") return this.caps.person && this.caps.pose && this.caps.glove;
    if (check === "no_hat") return this.caps.person && this.caps.headcover;
    if (check === "no_mask") return this.caps.person && this.caps.pose && !!this.caps.mask;
    return true; // unclean_area's baseline needs no model (the person detector only masks people)
  }

  /**
   * A people check (no_gloves, no_hat, no_mask) that alerted on this camera less than its cooldown ago cannot alert
   * again, so (with `idleInCooldown`, the default) it is not looked at: no keypoints or classifier runs for it (a workshop where a violation
   * lasts all morning costs the models once per cooldown, not every frame). Its persistence window was
   * emptied when it fired: after the cooldown it needs k fresh violating frames of n again.
   */
  private cooling(cameraId: number, rules: CameraRules, check: CheckName, at: Date): boolean {
    if (check === "unclean_area" || check === "tamper") return false;
    const c = rules.checks[check];
    if (!c.idleInCooldown) return false;
    return !this.cooldown.ready(`${cameraId}:${check}`, at.getTime(), c.cooldownS * 1000);
  }

  plan(cameraId: number, rules: CameraRules, at: Date): FramePlan {
    const s = this.state(cameraId);
    const plan: FramePlan = {
      thumb: this.thumb,
      ...(s.prevThumb ? { prevThumb: s.prevThumb } : {}),
      motion: rules.motion,
      people: "never",
      hands: false,
      heads: false,
      maxPersons: rules.maxPersons,
      custom: [],
    };
    const need = (when: "always" | "if-motion") => {
      if (when === "always" || plan.people === "always") plan.people = "always";
      else plan.people = "if-motion";
    };
    for (const check of FRAME_CHECKS) {
      if (!this.armed(rules, check, at) || this.cooling(cameraId, rules, check, at)) continue;
      const c = rules.checks[check];
      const when = c.motionGated ? "if-motion" : "always";
      if (c.source.type === "yolo") {
        const name = c.source.model;
        const existing = plan.custom.find((x) => x.name === name);
        if (!existing) plan.custom.push({ name, when });
        else if (when === "always") existing.when = "always";
        continue;
      }
      const zones = c.zones.length
        ? rules.zones
            .filter((z) => c.zones.includes(z.name))
            .map((z) => z.points.map((p) => [p[0], p[1]] as [number, number]))
        : undefined;
      if (check === "no_gloves") {
        plan.hands = true;
        plan.minHandPx = rules.checks.no_gloves.minCropPx;
        if (zones) plan.handZones = zones;
        need(when);
      } else if (check === "no_hat") {
        plan.heads = true;
        plan.minHeadPx = rules.checks.no_hat.minCropPx;
        if (zones) plan.headZones = zones;
        need(when);
      } else if (check === "no_mask") {
        plan.faces = true;
        plan.minFacePx = rules.checks.no_mask.minCropPx;
        if (zones) plan.faceZones = zones;
        need(when);
      } else if (at.getTime() - s.lastUncleanMs >= rules.checks.unclean_area.intervalS * 1000) {
        const b = rules.checks.unclean_area.baseline;
        plan.detail = { width: b.width, height: b.height };
        if (this.caps.person) need("always"); // to mask the people out of the comparison
      }
    }
    if (this.tamperDue(cameraId, rules, at)) plan.tamper = tamperSettings(rules);
    return plan;
  }

  /** Is the tamper check armed and due on this camera (every intervalS, motion or not)? */
  private tamperDue(cameraId: number, rules: CameraRules, at: Date): boolean {
    const c = rules.checks.tamper;
    if (!c.enabled || !isScheduled(c.schedule ?? rules.schedule, at)) return false;
    return this.tamper.due(cameraId, tamperSettings(rules), c.intervalS, at.getTime());
  }

  /**
   * The tamper check on a frame that carries its thumbnail: each kind has its own persistence window
   * (k of n looks) and cooldown, so a covered camera's alert does not silence a later re-aim.
   */
  private tamperViolations(
    cameraId: number,
    rules: CameraRules,
    obs: FrameObservation,
    now: number,
  ): Violation[] {
    if (!obs.tamper) return [];
    const s = this.state(cameraId);
    const c = rules.checks.tamper;
    const look = this.tamper.look(cameraId, tamperSettings(rules), obs.tamper, now);
    if (!look) return []; // still learning
    const out: Violation[] = [];
    for (const kind of TAMPER_KINDS) {
      const hit = look.verdict.kind === kind && look.verdict.score >= c.threshold;
      if (!this.fires(cameraId, s, rules, "tamper", hit, now, kind)) continue;
      // No box: the whole picture is the finding (a frame-sized box hid the evidence's titles in the console
      // and would teach a detector nothing in the feedback export); the evidence shows reference and frame.
      out.push({
        type: kind,
        confidence: look.verdict.score,
        boxes: [],
        model: "tamper-reference",
        reference: look.picture,
      });
    }
    return out;
  }

  evaluate(cameraId: number, rules: CameraRules, obs: FrameObservation, at: Date): Violation[] {
    const s = this.state(cameraId);
    s.prevThumb = obs.thumb;
    const now = at.getTime();
    const out: Violation[] = [];
    for (const check of FRAME_CHECKS) {
      if (!this.armed(rules, check, at) || this.cooling(cameraId, rules, check, at)) continue;
      if (check === "unclean_area" && obs.detail && this.tamper.obscured(cameraId)) {
        s.lastUncleanMs = now; // a covered or turned camera shows no floor: neither compare nor learn
        continue;
      }
      const { hits, model } = this.look(s, rules, check, obs, now);
      if (hits === undefined) continue; // nothing looked at (no motion, not due): the window stays as it was
      if (!this.fires(cameraId, s, rules, check, hits.length > 0, now)) continue;
      const best = hits.reduce((a, b) => (b.score > a.score ? b : a));
      const boxes = violationBoxes(check, hits, obs);
      out.push({ type: check, confidence: best.score, boxes, zone: best.zone, model });
    }
    out.push(...this.tamperViolations(cameraId, rules, obs, now));
    return out;
  }

  /**
   * What one check finds in this frame's observations, and which model(s) found it; `hits` undefined when
   * the check was not looked at this frame.
   */
  private look(
    s: CameraState,
    rules: CameraRules,
    check: CheckName,
    obs: FrameObservation,
    now: number,
  ): { hits: Hit[] | undefined; model: string } {
    const c = rules.checks[check];
    const zones = zonesOf(rules, check);
    if (c.source.type === "yolo") {
      const model = c.source.model;
      return { hits: customHits(check, obs.custom[model], c.threshold, zones, obs), model };
    }
    if (check === "no_gloves" || check === "no_hat") {
      const model = (
        check === "no_gloves"
          ? [this.caps.names.person, "pose", this.caps.names.glove]
          : [this.caps.names.person, this.caps.pose ? "pose" : undefined, this.caps.names.headcover]
      )
        .filter(Boolean)
        .join("+");
      if (!obs.peopleRan) return { hits: undefined, model };
      return {
        hits: partHits(check === "no_gloves" ? obs.hands : obs.heads, c.threshold, zones, obs),
        model,
      };
    }
    if (check === "no_mask") {
      const model = [this.caps.names.person, "pose", this.caps.names.mask].filter(Boolean).join("+");
      // Faces too small or without face points are not in obs.faces: unknown, they count neither way.
      if (!obs.peopleRan || !obs.faces) return { hits: undefined, model };
      return { hits: partHits(obs.faces, c.threshold, zones, obs), model };
    }
    if (!obs.detail) return { hits: undefined, model: "baseline" };
    s.lastUncleanMs = now;
    return { hits: this.unclean(s, rules, obs, zones), model: "baseline" };
  }

  /**
   * Pushes this frame's verdict into the check's persistence window (k of n); true when the window holds,
   * the frame violates and the cooldown lets the check fire (which starts the cooldown).
   */
  private fires(
    cameraId: number,
    s: CameraState,
    rules: CameraRules,
    check: CheckName,
    violating: boolean,
    now: number,
    /** The persistence window and cooldown's name: the check, or one of the tamper check's kinds. */
    key: string = check,
  ): boolean {
    const c = rules.checks[check];
    const { k, n } = c.persistence;
    let p = s.persistence.get(key);
    if (!p || p.k !== k || p.n !== n) {
      p = new KOfN(k, n);
      s.persistence.set(key, p);
    }
    const held = p.push(violating);
    if (!held || !violating) return false;
    if (!this.cooldown.tryFire(`${cameraId}:${key}`, now, c.cooldownS * 1000)) return false;
    // Not looked at during the cooldown: start afresh after it.
    if (check !== "unclean_area" && check !== "tamper" && rules.checks[check].idleInCooldown) p.reset();
    return true;
  }

  private unclean(s: CameraState, rules: CameraRules, obs: FrameObservation, zones: Zone[]): Hit[] {
    const cfg = rules.checks.unclean_area.baseline;
    const detail = obs.detail as Uint8Array;
    const w = cfg.width;
    const h = cfg.height;
    // People are not clutter: their boxes (a little larger) are left out of learning and comparison.
    const occluded = new Uint8Array(w * h);
    for (const p of obs.persons) {
      const r = expandRect(p, 1.25, obs.width, obs.height); // limbs, shadows, a box a little short
      const x1 = Math.floor((r.x1 / obs.width) * w);
      const x2 = Math.ceil((r.x2 / obs.width) * w);
      const y1 = Math.floor((r.y1 / obs.height) * h);
      const y2 = Math.ceil((r.y2 / obs.height) * h);
      for (let y = Math.max(0, y1); y < Math.min(h, y2); y++)
        for (let x = Math.max(0, x1); x < Math.min(w, x2); x++) occluded[y * w + x] = 1;
    }
    const visible = occluded.map((v) => 1 - v);
    const hits: Hit[] = [];
    for (const zone of zones) {
      let b = s.baselines.get(zone.name);
      if (!b || b.width !== w || b.height !== h) {
        b = { samples: [], valid: [], width: w, height: h };
        s.baselines.set(zone.name, b);
      }
      const learn = () => {
        s.baselinesDirty = true;
        b.samples.push(detail);
        b.valid.push(visible);
        if (b.samples.length > cfg.samples) {
          b.samples.shift();
          b.valid.shift();
        }
        if (b.samples.length >= cfg.samples) {
          const m = medianImage(b.samples, b.valid);
          b.image = m.image;
          b.seen = m.seen;
        }
      };
      if (!b.image || !b.seen || b.samples.length < cfg.samples) {
        learn();
        continue;
      }
      const mask = polygonMask(zone.points, w, h);
      const v = compareToBaseline(b.image, b.seen, detail, mask, occluded, cfg, w);
      if (!v.unclean) {
        learn(); // a clean frame refreshes the baseline (slow changes: daylight, a moved chair)
        continue;
      }
      const r = maskBounds(v.diff, w, h);
      if (!r) continue;
      const score = Math.min(1, v.changed / cfg.areaThreshold / 2);
      if (score < rules.checks.unclean_area.threshold) continue;
      hits.push({
        box: {
          x1: (r.x1 / w) * obs.width,
          y1: (r.y1 / h) * obs.height,
          x2: (r.x2 / w) * obs.width,
          y2: (r.y2 / h) * obs.height,
          score,
          label: "unclean_area",
        },
        zone: zone.name,
        score,
      });
    }
    return hits;
  }
}

/** The tamper check's settings from a camera's rules. */
function tamperSettings(rules: CameraRules): TamperSettings {
  const c = rules.checks.tamper;
  return { ...c.reference, epoch: c.referenceEpoch };
}
