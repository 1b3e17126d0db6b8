/**
 * A camera's signed live URLs kept fresh for as long as a player uses them: fetched once, fetched again
 * before they expire (refreshDelay) and on demand after a 403. Requests of the player take the freshest
 * token (`sign(url)`), so a running stream never stops for a token. Fetcher and clock are injected.
 */
import type { LiveUrls } from "@/api/live";
import { isStale, refreshDelay, tokenOf, withToken } from "./token-refresh";

export interface LiveSourceDeps {
  fetch: (cameraId: number) => Promise<LiveUrls>;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (h: unknown) => void;
}

export class LiveSource {
  private urls: LiveUrls | null = null;
  private issuedAt = 0;
  private inflight: Promise<LiveUrls> | null = null;
  private timer: unknown = null;
  private closed = false;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (h: unknown) => void;

  constructor(
    readonly cameraId: number,
    private readonly deps: LiveSourceDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  get current(): LiveUrls | null {
    return this.urls;
  }

  /** Fresh URLs now (one request however many callers ask at once); schedules the next refresh. */
  refresh(): Promise<LiveUrls> {
    if (this.inflight) return this.inflight;
    this.inflight = this.deps
      .fetch(this.cameraId)
      .then((u) => {
        this.urls = u;
        this.issuedAt = this.now();
        this.schedule();
        return u;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** URLs whose token is still good for a request (refreshed first when it is about to expire). */
  async fresh(): Promise<LiveUrls> {
    if (this.urls && !isStale(this.urls.expiresAt, this.now())) return this.urls;
    return this.refresh();
  }

  /** A request URL of this stream carrying the freshest token. */
  async sign(url: string): Promise<string> {
    const u = await this.fresh();
    const token = tokenOf(u.hls);
    return token ? withToken(url, token) : url;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    if (this.closed || !this.urls) return;
    const ms = refreshDelay(this.urls.expiresAt, this.now(), this.issuedAt);
    this.timer = this.setTimer(() => {
      this.timer = null;
      // A failed refresh is retried by the next request of the player (fresh() sees the stale token).
      this.refresh().catch(() => {});
    }, ms);
  }
}
