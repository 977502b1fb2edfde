import { describe, expect, it } from "vitest";
import { en } from "./en";
import { i18n, resolveLanguage } from "./index";
import { ru } from "./ru";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === "string") out[prefix + k] = v;
    else Object.assign(out, flatten(v, `${prefix}${k}.`));
  }
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (keys: string[]) => new Set(keys.map((k) => k.replace(PLURAL, "")));
const placeholders = (s: string) => (s.match(/{{\s*(\w+)/g) ?? []).map((p) => p.replace(/{{\s*/, "")).sort();

describe("catalogues", () => {
  const enFlat = flatten(en);
  const ruFlat = flatten(ru);

  it("Russian has every English key and no other", () => {
    expect([...base(Object.keys(ruFlat))].sort()).toEqual([...base(Object.keys(enFlat))].sort());
  });

  it("every counted string has each CLDR form of its language", () => {
    for (const lang of [
      { flat: enFlat, forms: new Intl.PluralRules("en").resolvedOptions().pluralCategories },
      { flat: ruFlat, forms: new Intl.PluralRules("ru").resolvedOptions().pluralCategories },
    ]) {
      const counted = [...base(Object.keys(lang.flat).filter((k) => PLURAL.test(k)))];
      for (const key of counted) for (const form of lang.forms) expect(lang.flat, `${key}_${form}`).toHaveProperty([`${key}_${form}`]);
    }
  });

  it("translations keep the placeholders of the English", () => {
    for (const [key, value] of Object.entries(ruFlat)) {
      const enValue = enFlat[key] ?? enFlat[key.replace(PLURAL, "_other")];
      expect(placeholders(value), key).toEqual(placeholders(enValue));
    }
  });
});

describe("plurals and locale", () => {
  it("Russian: 1 генерация, 2 генерации, 5 генераций, 21 генерация", () => {
    const t = i18n.getFixedT("ru");
    expect([1, 2, 5, 11, 21, 22, 25].map((count) => t("common.generations", { count }))).toEqual([
      "1 генерация",
      "2 генерации",
      "5 генераций",
      "11 генераций",
      "21 генерация",
      "22 генерации",
      "25 генераций",
    ]);
  });

  it("English: 1 generation, 2 generations; large counts grouped by the locale", () => {
    const t = i18n.getFixedT("en");
    expect(t("common.generations", { count: 1 })).toBe("1 generation");
    expect(t("common.generations", { count: 2 })).toBe("2 generations");
    expect(t("history.total", { count: 100000 })).toBe("100,000 generations");
    expect(i18n.getFixedT("ru")("history.total", { count: 100000 })).toMatch(/^100\s000 генераций$/);
  });

  it("follows the OS locale unless a language is chosen", () => {
    expect(resolveLanguage("system", "ru-RU")).toBe("ru");
    expect(resolveLanguage("system", "ru")).toBe("ru");
    expect(resolveLanguage("system", "de-DE")).toBe("en");
    expect(resolveLanguage("en", "ru-RU")).toBe("en");
    expect(resolveLanguage("ru", "en-US")).toBe("ru");
  });
});
