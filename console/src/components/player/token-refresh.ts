/**
 * Signed media URLs expire (MEDIA_TOKEN_TTL_SECONDS, 300 s by default): when to fetch a fresh one, and how
 * to carry the freshest token onto each request of a player, so that a playing stream never meets an
 * expired token (no reload, no visible break). Pure functions; the players use them.
 */

/** Refresh this long before expiry at least (or a fifth of the lifetime when that is longer). */
export const REFRESH_MARGIN_MS = 60_000;
/** Never refresh more often than this, whatever the server's clock says. */
export const MIN_REFRESH_DELAY_MS = 5_000;
/** A token that expires sooner than this is refreshed before a request uses it. */
export const STALE_WITHIN_MS = 5_000;

/** Milliseconds from `now` until a URL that expires at `expiresAt` should be fetched again. */
export function refreshDelay(expiresAt: string | number, now: number, issuedAt?: number): number {
  const exp = typeof expiresAt === "number" ? expiresAt : Date.parse(expiresAt);
  if (!Number.isFinite(exp)) return MIN_REFRESH_DELAY_MS;
  const life = exp - (issuedAt ?? now);
  const margin = Math.max(REFRESH_MARGIN_MS, life / 5);
  // A short-lived token (a server with a TTL under the margin): refresh at half its remaining life.
  const delay = life <= margin ? (exp - now) / 2 : exp - now - margin;
  return Math.max(MIN_REFRESH_DELAY_MS, Math.round(delay));
}

/** Whether a token that expires at `expiresAt` is too old to be sent now. */
export function isStale(expiresAt: string | number, now: number): boolean {
  const exp = typeof expiresAt === "number" ? expiresAt : Date.parse(expiresAt);
  return !Number.isFinite(exp) || exp - now < STALE_WITHIN_MS;
}

/** The `token` query parameter of a URL (relative or absolute), or null. */
export function tokenOf(url: string): string | null {
  return new URL(url, "http://x").searchParams.get("token");
}

/** The same URL with its `token` parameter set to `token` (a relative URL stays relative). */
export function withToken(url: string, token: string): string {
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url);
  const u = new URL(url, "http://x");
  u.searchParams.set("token", token);
  return absolute ? u.toString() : `${u.pathname}${u.search}${u.hash}`;
}

/** A media request refused for its token (expired, forged): fetch a fresh URL and retry. */
export function isTokenRefusal(status: number | undefined): boolean {
  return status === 403;
}
