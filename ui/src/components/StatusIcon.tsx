import { useTranslation } from "react-i18next";
import type { GenerationStatus } from "../bindings";

const GLYPH: Record<GenerationStatus, string> = {
  pending: "",
  processing: "",
  completed: "✓",
  failed: "✗",
  cancelled: "—",
};

/** Spinner while pending or processing, ✓ completed, ✗ failed, — cancelled. */
export function StatusIcon({ status }: { status: GenerationStatus }) {
  const { t } = useTranslation();
  const spinning = status === "pending" || status === "processing";
  const label = t(`status.${status}`);
  return (
    <span className={`status-icon status-${status}`} role="img" aria-label={label} title={label} data-status={status}>
      {spinning ? <span className="spinner" aria-hidden="true" /> : <span aria-hidden="true">{GLYPH[status]}</span>}
    </span>
  );
}
