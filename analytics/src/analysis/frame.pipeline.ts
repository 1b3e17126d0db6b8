/**
 * One frame's analysis, stateless (it runs inside an inference thread): decode → grey thumbnail →
 * motion → (if armed) persons → keypoints → hand and head crops → classifiers; custom YOLO detectors;
 * the detail thumbnail for the clean-baseline check. What is remembered between frames (previous
 * thumbnail, persistence, baselines) lives in the rules engine on the main thread and comes in the plan.
 */

import type { Classifier, Detector, KeypointModel } from "../models/detector.registry.js";
import {
  crop,
  decodeJpeg,
  greyThumbnail,
  greyThumbnailArea,
  type RawImage,
} from "../models/image.adapter.js";
import { cropRegion, expandRect, type Rect } from "../pre/letterbox.js";
import { hasMotion, type MotionOptions } from "../rules/motion.js";
import { boxInPolygonFraction, type Point } from "../rules/zone.js";
import { faceRegion, handRegions, headRegion } from "./parts.js";

export interface Box extends Rect {
  score: number;
  label: string;
}
export interface Part extends Box {
  /** Index into `persons`. */
  person: number;
  /** Probability of the violating class (bare hand, uncovered head). */
  violation: number;
}

export interface FrameModels {
  person?: Detector;
  pose?: KeypointModel;
  /** MoveNet with a tall input, for person crops no wider than it (the same scale, fewer pixels); else `pose`. */
  poseTall?: KeypointModel;
  glove?: Classifier;
  headcover?: Classifier;
  /** Face crop → [bare, masked] (no_mask). */
  mask?: Classifier;
  /** User detectors with their class maps (class name → violation type or null). */
  custom: Map<string, { detector: Detector; classMap: Record<string, string | null> }>;
}

export interface FramePlan {
  thumb: { width: number; height: number };
  prevThumb?: Uint8Array;
  motion: MotionOptions;
  /** Run the person pipeline: always, only when something moved, or not at all. */
  people: "always" | "if-motion" | "never";
  hands: boolean;
  heads: boolean;
  /**
   * Only persons whose box overlaps one of these polygons (normalised) get keypoints and crops for that
   * check; absent: every person. Keypoints cost per person: a zone around the worktop saves them for
   * people elsewhere.
   */
  handZones?: Point[][];
  headZones?: Point[][];
  /** Crops smaller than this (pixels, the longer side) are not classified: counted as unknown. */
  minHandPx?: number;
  minHeadPx?: number;
  /** no_mask: face crops from the face keypoints (needs pose), in these zones, at least this many pixels. */
  faces?: boolean;
  faceZones?: Point[][];
  minFacePx?: number;
  maxPersons: number;
  custom: { name: string; when: "always" | "if-motion" }[];
  /** Grey thumbnail for the clean-baseline comparison. */
  detail?: { width: number; height: number };
  /** Grey thumbnail for the tamper check (covered / moved / defocused). */
  tamper?: { width: number; height: number };
}

export interface FrameObservation {
  width: number;
  height: number;
  thumb: Uint8Array;
  motion: boolean;
  detail?: Uint8Array;
  /** The tamper check's grey thumbnail, when the plan asked for it. */
  tamper?: Uint8Array;
  /** Whether the person pipeline ran (else persons is empty because nothing was looked at). */
  peopleRan: boolean;
  persons: Box[];
  hands: Part[];
  heads: Part[];
  /** Faces (no_mask); absent when the plan asked for none. */
  faces?: Part[];
  /** Faces of persons looked at for no_mask that could not be judged: too small, or no face points. */
  unknownFaces?: number;
  /** Hands and heads found but too small to classify (not counted either way). */
  unknownParts: number;
  custom: Record<string, (Box & { violation: string | null })[]>;
  ms: Record<string, number>;
}

/** The index of the class that means "violation" in a two-class classifier. */
export function violationClass(classes: readonly string[], kind: "glove" | "headcover" | "mask"): number {
  const re =
    kind === "glove"
      ? /bare|no[_ -]?glove|ungloved|hand$/i
      : kind === "mask"
        ? /bare|no[_ -]?mask|without[_ -]?mask|unmasked/i
        : /bare|no[_ -]?(hat|cover|cap)|uncovered|hair$/i;
  const i = classes.findIndex((c) => re.test(c));
  if (i < 0)
    throw new Error(`classifier classes [${classes.join(", ")}] name no violating class for ${kind}`);
  return i;
}

/**
 * The keypoint model for a person crop: the tall-input MoveNet when the crop is no wider (relative to its
 * height) than that input, so it is scaled exactly as in the square one; the square model otherwise.
 */
export function poseModelFor(
  region: { width: number; height: number },
  models: Pick<FrameModels, "pose" | "poseTall">,
): KeypointModel {
  const tall = models.poseTall;
  if (tall && region.width * tall.card.input.height <= region.height * tall.card.input.width) return tall;
  return models.pose as KeypointModel;
}

async function timed<T>(ms: Record<string, number>, key: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await f();
  } finally {
    ms[key] = (ms[key] ?? 0) + performance.now() - t;
  }
}

export async function analyseFrame(
  jpeg: Uint8Array,
  plan: FramePlan,
  models: FrameModels,
): Promise<FrameObservation> {
  const ms: Record<string, number> = {};
  const img = await timed(ms, "decode", () => decodeJpeg(jpeg));
  // The motion thumbnail, every frame: computed here (area average), not through libvips (half the CPU).
  // Only compared with the previous one of the same camera, never stored: the detail thumbnail below, which
  // learned baselines are made of, stays libvips'.
  const thumb = await timed(ms, "thumb", () => greyThumbnailArea(img, plan.thumb.width, plan.thumb.height));
  const motion = hasMotion(plan.prevThumb, thumb, plan.motion);
  const obs: FrameObservation = {
    width: img.width,
    height: img.height,
    thumb,
    motion,
    peopleRan: false,
    persons: [],
    hands: [],
    heads: [],
    unknownParts: 0,
    custom: {},
    ms,
  };
  if (plan.detail) {
    const d = plan.detail;
    obs.detail = await timed(ms, "thumb", () => greyThumbnail(img, d.width, d.height));
  }
  if (plan.tamper) {
    const t = plan.tamper;
    obs.tamper = await timed(ms, "thumb", () => greyThumbnail(img, t.width, t.height));
  }
  const runPeople = plan.people === "always" || (plan.people === "if-motion" && motion);
  if (runPeople && models.person) await people(img, plan, models, obs);
  for (const c of plan.custom) {
    if (c.when === "if-motion" && !motion) continue;
    const m = models.custom.get(c.name);
    if (!m) continue;
    const dets = await timed(ms, c.name, () => m.detector.detect(img));
    obs.custom[c.name] = dets.map((d) => {
      const label = m.detector.card.classes[d.classId] ?? String(d.classId);
      return {
        x1: d.x1,
        y1: d.y1,
        x2: d.x2,
        y2: d.y2,
        score: d.score,
        label,
        violation: m.classMap[label] ?? null,
      };
    });
  }
  return obs;
}

async function people(
  img: RawImage,
  plan: FramePlan,
  models: FrameModels,
  obs: FrameObservation,
): Promise<void> {
  const { ms } = obs;
  const person = models.person as Detector;
  const personClass = Math.max(0, person.card.classes.indexOf("person"));
  const dets = await timed(ms, person.name, () => person.detect(img));
  obs.peopleRan = true;
  obs.persons = dets
    .filter((d) => d.classId === personClass)
    .sort((a, b) => (b.x2 - b.x1) * (b.y2 - b.y1) - (a.x2 - a.x1) * (a.y2 - a.y1))
    .slice(0, plan.maxPersons)
    .map((d) => ({ x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, score: d.score, label: "person" }));
  if (!plan.hands && !plan.heads && !plan.faces) return;
  const gloveIdx = models.glove ? violationClass(models.glove.card.classes, "glove") : -1;
  const headIdx = models.headcover ? violationClass(models.headcover.card.classes, "headcover") : -1;
  const overlaps = (p: Box, zones: Point[][] | undefined) => {
    if (!zones) return true;
    const n = { x1: p.x1 / img.width, y1: p.y1 / img.height, x2: p.x2 / img.width, y2: p.y2 / img.height };
    return zones.some((z) => boxInPolygonFraction(n, z) > 0);
  };
  // Keypoints per person, then every hand crop of the frame in one classifier run and every head crop in
  // another (a run per crop cost more in overhead than in arithmetic).
  const handCrops: { part: Part; img: RawImage }[] = [];
  const headCrops: { part: Part; img: RawImage }[] = [];
  const faceJobs: FaceJob[] = [];
  for (let i = 0; i < obs.persons.length; i++) {
    const p = obs.persons[i] as Box;
    if (p.x2 - p.x1 < 8 || p.y2 - p.y1 < 16) continue;
    const wantHands = plan.hands && !!models.glove && overlaps(p, plan.handZones);
    const wantHeads = plan.heads && !!models.headcover && overlaps(p, plan.headZones);
    const wantFaces = !!plan.faces && !!models.mask && !!models.pose && overlaps(p, plan.faceZones);
    if (!wantHands && !wantHeads && !wantFaces) continue;
    let kps: { name: string; x: number; y: number; score: number }[] = [];
    if (models.pose) {
      const region = cropRegion(expandRect(p, 1.1, img.width, img.height), img.width, img.height); // as in training
      const pose = poseModelFor(region, models);
      const personImg = await timed(ms, "crop", () => crop(img, region));
      const local = await timed(ms, pose.name, () => pose.keypoints(personImg));
      kps = local.map((k) => ({ ...k, x: k.x + region.left, y: k.y + region.top }));
    }
    if (wantHands) {
      for (const h of handRegions(p, kps, img.width, img.height)) {
        if (Math.max(h.box.x2 - h.box.x1, h.box.y2 - h.box.y1) < (plan.minHandPx ?? 0)) {
          obs.unknownParts++;
          continue;
        }
        const part = { ...h.box, person: i, violation: 0, score: 0, label: `${h.side}_hand` };
        const cut = cropRegion(h.box, img.width, img.height);
        handCrops.push({ part, img: await timed(ms, "crop", () => crop(img, cut)) });
      }
    }
    if (wantFaces) faceJobs.push({ index: i, person: p, kps });
    if (wantHeads) {
      const h = headRegion(p, kps, img.width, img.height);
      if (Math.max(h.box.x2 - h.box.x1, h.box.y2 - h.box.y1) < (plan.minHeadPx ?? 0)) {
        obs.unknownParts++;
        continue;
      }
      const part = { ...h.box, person: i, violation: 0, score: 0, label: "head" };
      const cut = cropRegion(h.box, img.width, img.height);
      headCrops.push({ part, img: await timed(ms, "crop", () => crop(img, cut)) });
    }
  }
  await classifyParts(models.glove, gloveIdx, handCrops, obs.hands, ms);
  await classifyParts(models.headcover, headIdx, headCrops, obs.heads, ms);
  if (plan.faces && models.mask) await faces(img, plan, models.mask, obs, faceJobs);
}

/** Every crop of one kind in one classifier run (a run per crop cost more in overhead than in arithmetic). */
async function classifyParts(
  model: Classifier | undefined,
  idx: number,
  crops: { part: Part; img: RawImage }[],
  into: Part[],
  ms: Record<string, number>,
): Promise<void> {
  if (!model || crops.length === 0) return;
  const probs = await timed(ms, model.name, () => model.classifyMany(crops.map((c) => c.img)));
  crops.forEach((c, k) => {
    const v = probs[k]?.[idx] ?? 0;
    into.push({ ...c.part, violation: v, score: v });
  });
}

/** A person looked at for no_mask, with its keypoints (frame coordinates). */
interface FaceJob {
  index: number;
  person: Box;
  kps: { name: string; x: number; y: number; score: number }[];
}

/**
 * no_mask: each person's face crop (the box models/mask-classifier was trained on, from the face
 * keypoints), all classified in one run. A face without face points, or shorter than `minFacePx`
 * (forehead to chin), is counted in `unknownFaces`: it is never "bare".
 */
async function faces(
  img: RawImage,
  plan: FramePlan,
  model: Classifier,
  obs: FrameObservation,
  jobs: FaceJob[],
): Promise<void> {
  const { ms } = obs;
  obs.faces = [];
  obs.unknownFaces = 0;
  const crops: { part: Part; img: RawImage }[] = [];
  for (const j of jobs) {
    const f = faceRegion(j.person, j.kps, img.width, img.height);
    if (!f || f.face < (plan.minFacePx ?? 0) || f.box.x2 - f.box.x1 < 4 || f.box.y2 - f.box.y1 < 4) {
      obs.unknownFaces++;
      continue;
    }
    const part = { ...f.box, person: j.index, violation: 0, score: 0, label: "face" };
    const cut = cropRegion(f.box, img.width, img.height);
    crops.push({ part, img: await timed(ms, "crop", () => crop(img, cut)) });
  }
  await classifyParts(model, violationClass(model.card.classes, "mask"), crops, obs.faces, ms);
}
