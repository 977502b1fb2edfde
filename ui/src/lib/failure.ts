import type { ErrorKind } from "../bindings";
import { i18n } from "../i18n";

/**
 * Why a generation failed, in the user's language: what failed (the code,
 * from the `errorKind` catalogue) and the cause's own words (the model's
 * error, Replicate's detail), which stay untranslated. A catalogue entry
 * with `{{detail}}` takes the detail inside (a deadline's length); a
 * failure recorded before codes existed is `other` with a whole sentence,
 * shown as it is. The same rule as core's `ErrorKind::say`
 * (crates/core/src/failure.rs).
 */
export function failureParts(g: { error_kind: ErrorKind | null; error: string | null }): {
  heading: string;
  detail: string | null;
} {
  const detail = g.error?.trim() || null;
  const kind = g.error_kind ?? "other";
  if (kind === "other" && detail) return { heading: detail, detail: null };
  const key = `errorKind.${kind}` as const;
  const template = String(i18n.getResource(i18n.resolvedLanguage ?? "en", "translation", key) ?? "");
  if (template.includes("{{detail}}")) return { heading: i18n.t(key, { detail: detail ?? "?" }), detail: null };
  return { heading: i18n.t(key), detail };
}

/** {@link failureParts} as one line: "The model failed: CUDA out of memory". */
export function formatFailure(g: { error_kind: ErrorKind | null; error: string | null }): string {
  const { heading, detail } = failureParts(g);
  return detail ? `${heading}: ${detail}` : heading;
}
