/**
 * Rows → the public and the inbox views. The public views are built field by field from named columns:
 * nothing is spread from a row, so a column added later cannot leak.
 */
import type { PublicCamera, PublicFeedbackView, PublicSiteDetail, PublicSiteSummary } from "@mingfang/core";
import type { FeedbackRow } from "./public-feedback.repository.js";
import type { PublicCameraRow, PublicSiteRow } from "./public-site.repository.js";

const DAY_MS = 86_400_000;

export function publicCamera(c: PublicCameraRow): PublicCamera {
  return { id: c.id, name: c.name, area: c.area, hls: `/public/hls/${c.id}/index.m3u8` };
}

function card(s: PublicSiteRow) {
  return {
    id: s.id,
    name: s.name,
    category: s.category,
    stationName: s.station,
    address: s.address,
    licenceNo: s.licence_no,
    demonstration: s.demonstration_level ?? null,
  };
}

export function siteSummary(s: PublicSiteRow, cover: PublicCameraRow | undefined): PublicSiteSummary {
  return { ...card(s), cover: cover ? publicCamera(cover) : null };
}

/** Whole days between the violation and now (0 on the day itself). */
export function daysSince(at: Date | null, now: Date): number | null {
  if (!at) return null;
  return Math.max(0, Math.floor((now.getTime() - at.getTime()) / DAY_MS));
}

export function siteDetail(
  s: PublicSiteRow,
  cameras: PublicCameraRow[],
  lastViolationAt: Date | null,
  rect: { title: string; rectifiedAt: Date; closedAt: Date; types: string[] } | null,
  now: Date,
): PublicSiteDetail {
  return {
    ...card(s),
    cameras: cameras.map(publicCamera),
    daysSinceViolation: daysSince(lastViolationAt, now),
    lastRectification: rect
      ? {
          violations: rect.types,
          title: rect.title,
          rectifiedAt: rect.rectifiedAt.toISOString(),
          closedAt: rect.closedAt.toISOString(),
        }
      : null,
  };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function feedbackView(f: FeedbackRow): PublicFeedbackView {
  return {
    id: f.id,
    workshopId: f.workshop_id,
    workshopName: f.workshop_name,
    stationId: f.station_id,
    stationName: f.station_name,
    kind: f.kind,
    body: f.body,
    contact: f.contact,
    status: f.status,
    reply: f.reply,
    handledBy: f.handled_by_name ?? null,
    answeredAt: iso(f.answered_at),
    closedAt: iso(f.closed_at),
    createdAt: new Date(f.created_at).toISOString(),
  };
}
