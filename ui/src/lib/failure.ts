import type { ErrorKind } from "../bindings";
import { i18n } from "../i18n";

/**
 * Why a generation failed, in the user's language: what failed (the code,
 * from the catalogue) and the cause's own words (the model's error,
 * Replicate's detail), which stay untranslated. A failure recorded before
 * codes existed is `other` with a whole sentence: shown as it is.
 * The same rule as core's `ErrorKind::say` (crates/core/src/failure.rs).
 */
export function formatFailure(g: { error_kind: ErrorKind | null; error: string | null }): string {
  const detail = g.error?.trim() ?? "";
  const kind = g.error_kind ?? "other";
  if (kind === "other" && detail) return detail;
  const heading = i18n.t(`errorKind.${kind}`);
  return detail ? `${heading}: ${detail}` : heading;
}
