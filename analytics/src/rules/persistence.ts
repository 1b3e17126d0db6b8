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
  /** ready() then fire() when ready. */
  tryFire(key: string, nowMs: number, cooldownMs: number): boolean {
    if (!this.ready(key, nowMs, cooldownMs)) return false;
    this.fire(key, nowMs);
    return true;
  }
}
