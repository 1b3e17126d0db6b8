/**
 * At most one HTTP-FLV stream open in this tab. Browsers allow 6 HTTP/1.1 connections per host and a live
 * FLV stream holds one for as long as it plays: a second FLV view closes the first before it opens.
 */
export interface FlvHolder {
  close(): void;
}

let holder: FlvHolder | null = null;

/** Takes the slot for `h`, closing whoever held it. */
export function acquireFlv(h: FlvHolder): void {
  if (holder && holder !== h) {
    const previous = holder;
    holder = null;
    previous.close();
  }
  holder = h;
}

/** Gives the slot back (only its holder can). */
export function releaseFlv(h: FlvHolder): void {
  if (holder === h) holder = null;
}

export function flvHolder(): FlvHolder | null {
  return holder;
}
