/**
 * Persistence (k of n) and cooldown: a violation is raised only when it held in at least k of the last
 * n analysed frames, and not again for the same camera, check and zone until the cooldown has passed.
 * Pure state machines on plain data; time is passed in.
 */

export class KOfN {
  private readonly window: boolean[] = [];
  constructor(
    readonly k: number,
    readonly n: number,
  ) {
    if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 1 && n >= k)) {
      throw new RangeError(`persistence needs 1 <= k <= n (got k=${k}, n=${n})`);
    }
  }
  /** Records one analysed frame; returns whether the violation now holds (≥ k hits in the last n). */
  push(hit: boolean): boolean {
    this.window.push(hit);
    if (this.window.length > this.n) this.window.shift();
    return this.hits() >= this.k;
  }
  hits(): number {
    let c = 0;
    for (const h of this.window) if (h) c++;
    return c;
  }
  reset(): void {
    this.window.length = 0;
  }
  /** The verdicts in the window, oldest first (what a store keeps). */
  verdicts(): readonly boolean[] {
    return this.window;
  }
  /** A window with these verdicts (the newest n kept). */
  static of(k: number, n: number, verdicts: readonly boolean[]): KOfN {
    const w = new KOfN(k, n);
    for (const v of verdicts.slice(-n)) w.window.push(v);
    return w;
  }
}

export class Cooldown {
  private readonly last = new Map<string, number>();
  /** May `key` fire at `nowMs`, `cooldownMs` after its last firing? Does not record. */
  ready(key: string, nowMs: number, cooldownMs: number): boolean {
    const t = this.last.get(key);
    // A clock that went backwards (nowMs < t) does not block forever.
    return t === undefined || nowMs - t >= cooldownMs || nowMs < t;
  }
  /** Records a firing. */
  fire(key: string, nowMs: number): void {
    this.last.set(key, nowMs);
  }
  /** The last firings of the keys that start with `prefix` (one camera's: `<cameraId>:`). */
  firings(prefix: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, t] of this.last) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = t;
    return out;
  }
  /** Replaces the firings of the keys that start with `prefix` by these. */
  restore(prefix: string, firings: Record<string, number>): void {
    for (const k of [...this.last.keys()]) if (k.startsWith(prefix)) this.last.delete(k);
    for (const [k, t] of Object.entries(firings)) this.last.set(`${prefix}${k}`, t);
  }
  /** ready() then fire() when ready. */
  tryFire(key: string, nowMs: number, cooldownMs: number): boolean {
    if (!this.ready(key, nowMs, cooldownMs)) return false;
    this.fire(key, nowMs);
    return true;
  }
}
