/**
 * Tour mode (轮巡): moves the wall to its next page every N seconds, round the pages. It runs only while
 * on, not paused (an enlarged camera, a hidden tab) and with more than one page. The clock is injected so
 * that tests drive it by hand.
 */
export interface TimerApi {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: TimerApi = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface TourOptions {
  /** Number of pages now (read at each step: the wall may change while touring). */
  pages: () => number;
  /** Current page. */
  page: () => number;
  /** Show that page. */
  go: (page: number) => void;
  timers?: TimerApi;
}

export const MIN_TOUR_SECONDS = 5;

export class TourTimer {
  private handle: unknown = null;
  private on = false;
  private paused = false;
  private seconds = 30;
  private readonly timers: TimerApi;

  constructor(private readonly opts: TourOptions) {
    this.timers = opts.timers ?? realTimers;
  }

  get running(): boolean {
    return this.handle !== null;
  }

  start(seconds: number): void {
    this.on = true;
    this.seconds = Math.max(MIN_TOUR_SECONDS, seconds);
    this.arm();
  }

  stop(): void {
    this.on = false;
    this.disarm();
  }

  /** Pause (enlarged view, hidden tab) or resume; a resumed tour waits a full interval. */
  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    this.arm();
  }

  /** The wall changed (cameras, layout, a page picked by hand): the interval starts again. */
  restart(): void {
    this.arm();
  }

  /** Next page now (round to the first after the last). */
  step(): void {
    const pages = this.opts.pages();
    if (pages > 1) this.opts.go((this.opts.page() + 1) % pages);
    this.arm();
  }

  private arm(): void {
    this.disarm();
    if (!this.on || this.paused || this.opts.pages() <= 1) return;
    this.handle = this.timers.set(() => {
      this.handle = null;
      this.step();
    }, this.seconds * 1000);
  }

  private disarm(): void {
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
  }
}
