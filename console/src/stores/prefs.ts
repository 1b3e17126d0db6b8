/**
 * The user's preferences kept in this browser (localStorage), per user where it matters: language,
 * wall layout, tour interval. One typed object, as vue-vben-admin keeps its preferences.
 */
import { defineStore } from "pinia";
import { ref, watch } from "vue";

export type Locale = "zh-CN" | "en";
export const LOCALE_KEY = "mingfang.locale";

export function storedLocale(): Locale {
  return localStorage.getItem(LOCALE_KEY) === "en" ? "en" : "zh-CN";
}

export interface WallPrefs {
  layout: 1 | 4 | 6 | 9 | 16;
  tourSeconds: number;
  /** Camera ids chosen for the wall (in tile order). */
  cameras: number[];
}

const DEFAULT_WALL: WallPrefs = { layout: 4, tourSeconds: 30, cameras: [] };

function readJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? { ...fallback, ...(JSON.parse(raw) as T) } : fallback;
  } catch {
    return fallback;
  }
}

export const usePrefsStore = defineStore("prefs", () => {
  const locale = ref<Locale>(storedLocale());
  watch(locale, (l) => localStorage.setItem(LOCALE_KEY, l));

  /** Wall preferences of one user (the same browser may be shared by a station's shifts). */
  function wall(userId: number): WallPrefs {
    return readJson(`mingfang.wall.${userId}`, DEFAULT_WALL);
  }
  function saveWall(userId: number, prefs: WallPrefs) {
    localStorage.setItem(`mingfang.wall.${userId}`, JSON.stringify(prefs));
  }

  return { locale, wall, saveWall };
});
