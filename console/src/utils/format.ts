/**
 * Dates as the bureau reads them: China Standard Time whatever the browser's zone, in the user's language.
 */
import { i18n, t } from "@/i18n";

const TZ = "Asia/Shanghai";

function fmt(opts: Intl.DateTimeFormatOptions) {
  return (iso: string | null | undefined): string => {
    if (!iso) return "—";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return "—";
    return new Intl.DateTimeFormat(i18n.global.locale.value === "en" ? "en-GB" : "zh-CN", {
      timeZone: TZ,
      hour12: false,
      ...opts,
    }).format(d);
  };
}

/** 2026-12-07 14:03:05 style. */
export const dateTime = fmt({
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
export const dateOnly = fmt({ year: "numeric", month: "2-digit", day: "2-digit" });
export const timeOnly = fmt({ hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** "3 分钟前" for the last hours, the date and time beyond a week. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (s < 60) return t("time.justNow");
  if (s < 3600) return t("time.minutesAgo", { n: Math.floor(s / 60) });
  if (s < 86400) return t("time.hoursAgo", { n: Math.floor(s / 3600) });
  if (s < 7 * 86400) return t("time.daysAgo", { n: Math.floor(s / 86400) });
  return dateTime(iso);
}

/** A duration in seconds as "1 h 5 min" / "1 小时 5 分". */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const zh = i18n.global.locale.value !== "en";
  const parts: string[] = [];
  if (h) parts.push(zh ? `${h} 小时` : `${h} h`);
  if (m) parts.push(zh ? `${m} 分` : `${m} min`);
  if (!h && (r || parts.length === 0)) parts.push(zh ? `${r} 秒` : `${r} s`);
  return parts.join(" ");
}
