/**
 * A camera's rule state as it travels between analytics workers (kept in Redis per camera, beside its
 * baselines): the persistence windows (k of n), the cooldowns' last firings, when the clean-area check last
 * looked, the previous motion thumbnail and the tamper check's timing. The learned baselines and tamper
 * reference are not in it: they have their own stores (baseline.store.ts, tamper.store.ts).
 */
import type { TamperKind } from "./tamper.js";
import type { TamperTiming } from "./tamper.state.js";

export interface CameraRuleState {
  /** Window name (a check, or a tamper kind) → its k, n and verdicts, oldest first. */
  persistence: Record<string, { k: number; n: number; window: boolean[] }>;
  /** Window name → the last firing (ms). */
  cooldown: Record<string, number>;
  /** When the clean-area check last looked (ms); null: never. */
  lastUncleanMs: number | null;
  /** The previous frame's motion thumbnail (grey). */
  prevThumb?: Uint8Array;
  tamper?: TamperTiming;
  /** Which save of the camera's baselines and tamper reference the state goes with (the worker's id of it). */
  learned?: string;
}

interface Wire {
  v: 1;
  p: Record<string, [number, number, string]>;
  c: Record<string, number>;
  u: number | null;
  t?: string;
  tm?: [number | null, number | null, TamperKind | null];
  l?: string;
}

export function encodeRuleState(s: CameraRuleState): Buffer {
  const w: Wire = { v: 1, p: {}, c: s.cooldown, u: s.lastUncleanMs };
  for (const [key, p] of Object.entries(s.persistence))
    w.p[key] = [p.k, p.n, p.window.map((x) => (x ? "1" : "0")).join("")];
  if (s.prevThumb) w.t = Buffer.from(s.prevThumb).toString("base64");
  if (s.tamper) w.tm = [s.tamper.lastMs, s.tamper.lastLearnMs, s.tamper.lastKind];
  if (s.learned) w.l = s.learned;
  return Buffer.from(JSON.stringify(w));
}

const num = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const numOrNull = (x: unknown): number | null => (num(x) ? x : null);

/** The state, or undefined when unreadable (the camera then starts afresh: empty windows, no cooldown). */
export function decodeRuleState(buf: Buffer): CameraRuleState | undefined {
  let w: Wire;
  try {
    w = JSON.parse(buf.toString("utf8")) as Wire;
  } catch {
    return undefined;
  }
  if (w?.v !== 1 || typeof w.p !== "object" || typeof w.c !== "object") return undefined;
  const persistence: CameraRuleState["persistence"] = {};
  for (const [key, p] of Object.entries(w.p)) {
    if (!Array.isArray(p) || !num(p[0]) || !num(p[1]) || typeof p[2] !== "string") return undefined;
    persistence[key] = { k: p[0], n: p[1], window: [...p[2]].map((c) => c === "1") };
  }
  const cooldown: Record<string, number> = {};
  for (const [key, t] of Object.entries(w.c)) if (num(t)) cooldown[key] = t;
  const out: CameraRuleState = { persistence, cooldown, lastUncleanMs: numOrNull(w.u) };
  if (typeof w.t === "string") out.prevThumb = new Uint8Array(Buffer.from(w.t, "base64"));
  if (Array.isArray(w.tm))
    out.tamper = { lastMs: numOrNull(w.tm[0]), lastLearnMs: numOrNull(w.tm[1]), lastKind: w.tm[2] ?? null };
  if (typeof w.l === "string") out.learned = w.l;
  return out;
}
