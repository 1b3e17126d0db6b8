/**
 * The playback page's arithmetic, pure: a day in Asia/Shanghai as instants, the timeline's window (the whole
 * day or an hour around a point) and positions on it, ticks, which span a click plays, the selection to
 * download, and the player's media time ↔ wall-clock time through the playlist's program date-times.
 */
const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Asia/Shanghai is UTC+8 all year. */
const CST_MS = 8 * HOUR_MS;
/** One playback window (the console asks for the next one when it ends). */
export const WINDOW_MS = HOUR_MS;

/** What the player is doing. */
export type PlayerState = "idle" | "loading" | "playing" | "paused" | "ended" | "error";

export interface Span {
  from: string;
  to: string;
  bytes: number;
  kind?: "recording" | "clip";
  alertId?: string;
}

export interface TimeWindow {
  from: number;
  to: number;
}

export const dayStartMs = (day: string): number => Date.parse(`${day}T00:00:00Z`) - CST_MS;
export const localDayOf = (ms: number): string => new Date(ms + CST_MS).toISOString().slice(0, 10);
export const dayWindow = (day: string): TimeWindow => ({
  from: dayStartMs(day),
  to: dayStartMs(day) + DAY_MS,
});

/** `HH:MM:SS` (or `HH:MM`) of an instant in Asia/Shanghai. */
export function clock(ms: number, seconds = true): string {
  const s = new Date(ms + CST_MS).toISOString();
  return seconds ? s.slice(11, 19) : s.slice(11, 16);
}

/** An hour of the day around `t` (kept within the day). */
export function zoomAround(t: number, day: string, width = HOUR_MS): TimeWindow {
  const d = dayWindow(day);
  const from = Math.min(Math.max(d.from, t - width / 2), d.to - width);
  return { from, to: from + width };
}

/** 0…1 across the window. */
export const fractionOf = (t: number, w: TimeWindow): number => (t - w.from) / (w.to - w.from);
export const timeAt = (f: number, w: TimeWindow): number =>
  Math.round(w.from + Math.min(1, Math.max(0, f)) * (w.to - w.from));

/** Tick marks: every 2 h across a day, every 10 min across an hour (5 min when narrower). */
export function ticks(w: TimeWindow): { at: number; label: string; left: number }[] {
  const width = w.to - w.from;
  const step =
    width > 6 * HOUR_MS
      ? 2 * HOUR_MS
      : width > 90 * 60_000
        ? 30 * 60_000
        : width > 30 * 60_000
          ? 10 * 60_000
          : 5 * 60_000;
  const out: { at: number; label: string; left: number }[] = [];
  // Steps align to local time: shift by the offset, round up, shift back.
  for (let t = Math.ceil((w.from + CST_MS) / step) * step - CST_MS; t <= w.to; t += step) {
    out.push({
      at: t,
      label: t === w.to && width === DAY_MS ? "24:00" : clock(t, false),
      left: fractionOf(t, w) * 100,
    });
  }
  return out;
}

/** The blocks to draw: spans clipped to the window, as percentages. */
export function blocks(spans: Span[], w: TimeWindow): (Span & { left: number; width: number })[] {
  return spans.flatMap((s) => {
    const a = Math.max(w.from, Date.parse(s.from));
    const b = Math.min(w.to, Date.parse(s.to));
    if (b <= a) return [];
    return [
      {
        ...s,
        left: fractionOf(a, w) * 100,
        width: Math.max(0.15, fractionOf(b, w) * 100 - fractionOf(a, w) * 100),
      },
    ];
  });
}

/**
 * Where a click at `t` plays from: inside a span, that moment; in a gap, the start of the next span (the
 * nearest recording after the click). Null when nothing follows.
 */
export function playFrom(spans: Span[], t: number): { at: number; span: Span } | null {
  const sorted = [...spans].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  const inside = sorted.find((s) => Date.parse(s.from) <= t && t < Date.parse(s.to));
  if (inside) return { at: t, span: inside };
  const next = sorted.find((s) => Date.parse(s.from) > t);
  return next ? { at: Date.parse(next.from), span: next } : null;
}

/** The playback window from `at`: an hour at most, never past the day's end. */
export function playWindow(at: number, day: string): TimeWindow {
  return { from: at, to: Math.min(at + WINDOW_MS, dayWindow(day).to) };
}

/** A selection from two instants, in order; null when it is empty. */
export function selection(a: number, b: number): TimeWindow | null {
  const from = Math.min(a, b);
  const to = Math.max(a, b);
  return to - from >= 1000 ? { from, to } : null;
}

/** A playlist entry as the player knows it: where it is in media time, and its program date-time. */
export interface MediaFragment {
  /** Seconds of media time. */
  start: number;
  duration: number;
  /** Unix ms (the entry's `#EXT-X-PROGRAM-DATE-TIME`, carried on by the player to the entries after it). */
  programDateTime: number | null;
}

/** The media time (seconds) that shows wall-clock `t`; the nearest fragment's edge when `t` is in none. */
export function mediaTimeOf(frags: MediaFragment[], t: number): number | null {
  let best: { d: number; time: number } | null = null;
  for (const f of frags) {
    if (f.programDateTime === null) continue;
    const end = f.programDateTime + f.duration * 1000;
    if (t >= f.programDateTime && t < end) return f.start + (t - f.programDateTime) / 1000;
    const d = t < f.programDateTime ? f.programDateTime - t : t - end;
    if (!best || d < best.d) best = { d, time: t < f.programDateTime ? f.start : f.start + f.duration };
  }
  return best ? best.time : null;
}

/** The wall-clock time (unix ms) the player shows at media time `s`. */
export function wallTimeOf(frags: MediaFragment[], s: number): number | null {
  const f = frags.find((x) => s >= x.start && s < x.start + x.duration) ?? frags[frags.length - 1];
  if (!f || f.programDateTime === null) return null;
  return f.programDateTime + Math.max(0, s - f.start) * 1000;
}

/** Colour of an alert mark by its grade (1 most serious). */
export function gradeColor(grade: number): string {
  return grade <= 1 ? "#d03050" : grade === 2 ? "#f0a020" : "#2080f0";
}

/** `n 分钟` style length of a selection, in minutes and seconds. */
export function lengthOf(w: TimeWindow): { minutes: number; seconds: number } {
  const s = Math.round((w.to - w.from) / 1000);
  return { minutes: Math.floor(s / 60), seconds: s % 60 };
}
