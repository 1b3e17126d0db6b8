/**
 * Limits how many camera processes may be starting (connecting, probing, waiting for the first GOP) at
 * once. On two cores, 84 ffmpeg start-ups at the same moment starve each other past their timeouts and the
 * whole ingest thrashes; a few at a time, everything comes up.
 */
export class StartGate {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Resolves with a release function once a slot is free. Releasing twice is harmless. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.queue.shift()?.();
    };
  }

  get starting(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }
}
