/**
 * What every row → API view mapping shares. The views themselves live with their feature
 * (`users/user.views.ts`, `cameras/camera.views.ts`, …).
 */

/** A database timestamp (a Date, or text from a raw query) as ISO 8601. */
export const iso = (d: Date | string) => new Date(d).toISOString();

/** A JSON column, whether the driver hands back the parsed value or its text. */
export const parseJson = <T>(v: unknown, fallback: T): T => {
  if (v === null || v === undefined) return fallback;
  return (typeof v === "string" ? JSON.parse(v) : v) as T;
};
