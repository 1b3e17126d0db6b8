/**
 * Where the hands and the head of a person are, from body keypoints (MoveNet's 17 COCO points) — pure
 * geometry. Hands: beyond each visible wrist along the forearm. Head: around the visible face points,
 * raised so a cap or hairnet lies inside (the hat classifier's training crop). No keypoints: the top of the person box is the head.
 */
import { clamp, type Rect } from "../pre/letterbox.js";

export interface Pt {
  name: string;
  x: number;
  y: number;
  score: number;
}

const MIN_KP = 0.3;

function find(kps: readonly Pt[], name: string): Pt | undefined {
  const k = kps.find((p) => p.name === name);
  return k && k.score >= MIN_KP ? k : undefined;
}

function square(cx: number, cy: number, side: number, w: number, h: number): Rect {
  const s = side / 2;
  return {
    x1: clamp(cx - s, 0, w),
    y1: clamp(cy - s, 0, h),
    x2: clamp(cx + s, 0, w),
    y2: clamp(cy + s, 0, h),
  };
}

export function handRegions(
  person: Rect,
  kps: readonly Pt[],
  frameW: number,
  frameH: number,
): { side: "left" | "right"; box: Rect; score: number }[] {
  const ph = person.y2 - person.y1;
  const out: { side: "left" | "right"; box: Rect; score: number }[] = [];
  for (const side of ["left", "right"] as const) {
    const wrist = find(kps, `${side}_wrist`);
    if (!wrist) continue;
    const elbow = find(kps, `${side}_elbow`);
    const dx = elbow ? wrist.x - elbow.x : 0;
    const dy = elbow ? wrist.y - elbow.y : 0;
    const forearm = Math.hypot(dx, dy);
    const cx = wrist.x + 0.4 * dx;
    const cy = wrist.y + 0.4 * dy;
    const size = Math.max(forearm * 0.9, ph * 0.13, 16);
    const box = square(cx, cy, size, frameW, frameH);
    if (box.x2 - box.x1 < 4 || box.y2 - box.y1 < 4) continue;
    out.push({ side, box, score: wrist.score });
  }
  return out;
}

export function headRegion(
  person: Rect,
  kps: readonly Pt[],
  frameW: number,
  frameH: number,
): { box: Rect; fromKeypoints: boolean } {
  const face = ["nose", "left_eye", "right_eye", "left_ear", "right_ear"]
    .map((n) => find(kps, n))
    .filter((p): p is Pt => !!p);
  const pw = person.x2 - person.x1;
  const ph = person.y2 - person.y1;
  if (face.length >= 1) {
    const cx = face.reduce((a, p) => a + p.x, 0) / face.length;
    const cy = face.reduce((a, p) => a + p.y, 0) / face.length;
    // The crop rule the head-covering classifier was trained with (models/tools/measure-people.mjs,
    // models/hat-classifier/card.json): spread = the largest distance of a face point from their centre,
    // side = max(3.2 × spread, 0.16 × person height), 65 % of it above the centre.
    const spread = Math.max(...face.map((p) => Math.hypot(p.x - cx, p.y - cy)));
    const side = Math.max(spread * 3.2, ph * 0.16, 8);
    return { box: square(cx, cy - side * 0.15, side, frameW, frameH), fromKeypoints: true };
  }
  const side = Math.max(Math.min(pw * 0.6, ph * 0.2), 16);
  return {
    box: square((person.x1 + person.x2) / 2, person.y1 + side * 0.5, side, frameW, frameH),
    fromKeypoints: false,
  };
}

/**
 * The crop the mask classifier was trained on (models/mask-classifier/card.json: a square of 1.2 × the
 * labelled face box's longer side, forehead to chin), estimated from MoveNet's face points. Face width:
 * the ear-to-ear distance, 2.4 × the eye distance, or 2 × a nose-to-ear distance, whichever is largest
 * (profiles shorten the first two), at least 0.09 × the person's height. The square's side is FACE_SIDE ×
 * that width, its centre FACE_DROP widths below the eyes: both fitted so that the box matches the training
 * crop on the classifier's validation and test faces (models/mask-classifier/facebox.mjs; README). Null
 * without eyes or nose: a mask cannot be judged from the back of a head, and guessing from the person box
 * would call hair bare. `face` is the estimated face box's longer side (the training crop's side / 1.2).
 */
const FACE_SIDE = 1.06;
const FACE_DROP = 0.225;

export function faceRegion(
  person: Rect,
  kps: readonly Pt[],
  frameW: number,
  frameH: number,
): { box: Rect; width: number; face: number } | null {
  const nose = find(kps, "nose");
  const eyes = [find(kps, "left_eye"), find(kps, "right_eye")].filter((p): p is Pt => !!p);
  const ears = [find(kps, "left_ear"), find(kps, "right_ear")].filter((p): p is Pt => !!p);
  if (!nose && eyes.length === 0) return null;
  const dist = (a: Pt, b: Pt) => Math.hypot(a.x - b.x, a.y - b.y);
  const ph = person.y2 - person.y1;
  let width = 0.09 * ph;
  if (ears.length === 2) width = Math.max(width, dist(ears[0] as Pt, ears[1] as Pt));
  if (eyes.length === 2) width = Math.max(width, 2.4 * dist(eyes[0] as Pt, eyes[1] as Pt));
  if (nose) for (const e of ears) width = Math.max(width, 2 * dist(nose, e));
  const central = [...eyes, ...(nose ? [nose] : [])];
  const cx = central.reduce((a, p) => a + p.x, 0) / central.length;
  const cy = eyes.length
    ? eyes.reduce((a, p) => a + p.y, 0) / eyes.length + FACE_DROP * width
    : (nose as Pt).y - 0.05 * width;
  const side = FACE_SIDE * width;
  return { box: square(cx, cy, side, frameW, frameH), width, face: side / 1.2 };
}
