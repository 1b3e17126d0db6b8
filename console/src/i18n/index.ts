import { createI18n } from "vue-i18n";
import { messages } from "@/locales";
import { storedLocale } from "@/stores/prefs";

export const i18n = createI18n({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: "zh-CN",
  messages,
  missingWarn: false,
  fallbackWarn: false,
});

export const t = (key: string, named?: Record<string, unknown>): string =>
  named ? i18n.global.t(key, named) : i18n.global.t(key);
