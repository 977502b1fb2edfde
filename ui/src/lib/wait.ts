import type { WaitReason } from "../bindings";
import { i18n } from "../i18n";
import { formatClock } from "./time";

/**
 * Why a generation waits, in the user's language, its time in the user's
 * zone: the store keeps a code, a UTC time and the cause's own words
 * (untranslated), never a sentence.
 */
export function formatWait(w: WaitReason): string {
  const detail = w.detail ?? "";
  const text = w.code === "other" ? detail : i18n.t(`wait.${w.code}`, { detail });
  if (!w.until || w.code === "other") return text;
  // A budget's hold ends with its day or month (or a higher limit), not at a "next try".
  if (w.code === "daily_budget") return i18n.t("wait.budgetTomorrow", { text });
  if (w.code === "monthly_budget") return i18n.t("wait.budgetNextMonth", { text });
  const key = w.code === "checking_create" ? "wait.nextLook" : "wait.nextTry";
  return i18n.t(key, { text, time: formatClock(w.until) });
}
