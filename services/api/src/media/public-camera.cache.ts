/**
 * The public HLS route's answer to "may this camera be watched without signing in?", kept for a second.
 * A public player asks twice a second per viewer; without the cache every playlist and segment request
 * cost a database query (bench/public: 2.2× the CPU per request of static files, most of it that query).
 *
 * Entries are dropped when this process publishes a camera change (`generation`, bumped by the camera-spec
 * publisher on every camera or demo-site edit), so a change made through this API process applies to the
 * next request. A change made through ANOTHER API process is seen within `ttlMs`: until then a camera made
 * private or disabled stays watchable, and a camera given its first privacy masks may serve its unmasked
 * stream (it was public and unmasked until then). A masked camera never falls back to its private folder
 * (public-hls.ts). Unknown ids are kept too (a scan of ids costs no more queries than one viewer); the map
 * is bounded.
 */
export type PublicCameraAnswer = { id: number; masked: boolean } | undefined;

export class PublicCameraCache {
  private readonly entries = new Map<number, { at: number; gen: number; answer: PublicCameraAnswer }>();

  constructor(
    private readonly load: (cameraId: number) => Promise<PublicCameraAnswer>,
    private readonly ttlMs = 1_000,
    private readonly maxEntries = 2_000,
    private readonly now: () => number = Date.now,
    private readonly generation: () => number = () => 0,
  ) {}

  async get(cameraId: number): Promise<PublicCameraAnswer> {
    const hit = this.entries.get(cameraId);
    const t = this.now();
    const gen = this.generation();
    if (hit && hit.gen === gen && t - hit.at < this.ttlMs) return hit.answer;
    const answer = await this.load(cameraId);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    // The generation read before the load: a change published while it ran leaves the entry stale.
    this.entries.set(cameraId, { at: t, gen, answer });
    return answer;
  }
}
