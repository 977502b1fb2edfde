// i18next over two catalogues (en, ru). Plurals follow CLDR through
// Intl.PluralRules (keys `_one`, `_few`, `_many`, `_other`); dates, numbers and
// relative times use Intl with the same locale. The language follows the OS
// (navigator.language) unless the user picked one in Settings.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import type { LanguageChoice } from "../bindings";
import { en } from "./en";
import { ru } from "./ru";

export const LANGUAGES = ["en", "ru"] as const;
export type Language = (typeof LANGUAGES)[number];

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en };
  }
}

/** The language for a choice: "system" reads the OS locale, falling back to English. */
export function resolveLanguage(choice: LanguageChoice, systemLocale: string = navigator.language): Language {
  if (choice !== "system") return choice;
  const base = systemLocale.toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : "en";
}

export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ru: { translation: ru } },
  lng: resolveLanguage("system", typeof navigator === "undefined" ? "en" : navigator.language),
  fallbackLng: "en",
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

/** Switches every string, date and number at once; `<html lang>` follows. */
export function applyLanguage(choice: LanguageChoice): void {
  const lang = resolveLanguage(choice);
  if (i18n.language !== lang) void i18n.changeLanguage(lang);
  document.documentElement.lang = lang;
}

/** The locale for Intl formatters. */
export function locale(): string {
  return i18n.language || "en";
}

