/** Precision / recall / F1 and percentiles, pure; and the case every evaluation reports. */

/** One evaluated case: was an alert of `check` expected, did one come, and how long it took. */
export interface EvalCase {
  check: string;
  set: string;
  name: string;
  expected: boolean;
  got: boolean;
  ms: number[];
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function count(results: readonly { expected: boolean; got: boolean }[]): Counts {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const r of results) {
    if (r.expected && r.got) c.tp++;
    else if (!r.expected && r.got) c.fp++;
    else if (r.expected && !r.got) c.fn++;
    else c.tn++;
  }
  return c;
}

export function prf(c: Counts): { precision: number; recall: number; f1: number } {
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : Number.NaN;
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : Number.NaN;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : Number.NaN;
  return { precision, recall, f1 };
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i] as number;
}
