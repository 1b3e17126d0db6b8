/**
 * The benches' small helpers: a numeric command-line option, percentiles, and warm timing of an async
 * function.
 */

/** The number after `name` on the command line, or `fallback`. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

/** The `p`th percentile (nearest rank) of `xs`. */
export function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const ms = (x) => `${x.toFixed(1)} ms`;

/** p50 and p95 in milliseconds of `n` runs of `fn`, after `warm` runs not counted. */
export async function timed(n, fn, warm = 3) {
  for (let i = 0; i < warm; i++) await fn();
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return { p50: pct(xs, 50), p95: pct(xs, 95) };
}
