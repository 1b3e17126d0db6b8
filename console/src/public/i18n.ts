/**
 * The public pages' words: the same message files as the console (locales/<lang>/public.ts), read by a
 * tiny lookup instead of vue-i18n, so that a phone downloads no framework for them. Chinese by default; the
 * switch is remembered on the device.
 */
import en from "@/locales/en/public";
import zh from "@/locales/zh-CN/public";

export type Lang = "zh-CN" | "en";
const KEY = "mingfang.public.lang";
const MESSAGES: Record<Lang, unknown> = { "zh-CN": zh, en };

let lang: Lang = readLang();

function readLang(): Lang {
  try {
    return localStorage.getItem(KEY) === "en" ? "en" : "zh-CN";
  } catch {
    return "zh-CN";
  }
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  try {
    localStorage.setItem(KEY, l);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = l;
}

/** `t("site.days", {n: 3})`; a missing key shows itself (a test keeps both languages complete). */
export function t(key: string, named: Record<string, string | number> = {}): string {
  let node: unknown = MESSAGES[lang];
  for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  const text = typeof node === "string" ? node : key;
  return text.replace(/\{(\w+)\}/g, (_m, k: string) => String(named[k] ?? `{${k}}`));
}
