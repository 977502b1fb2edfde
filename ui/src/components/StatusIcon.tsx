import type { GenerationStatus } from "../bindings";
import { STATUS_LABEL } from "../lib/generation";

const GLYPH: Record<GenerationStatus, string> = {
  pending: "",
  processing: "",
  completed: "✓",
  failed: "✗",
  cancelled: "—",
};

/** Spinner while pending or processing, ✓ completed, ✗ failed, — cancelled. */
export function StatusIcon({ status }: { status: GenerationStatus }) {
  const spinning = status === "pending" || status === "processing";
  return (
    <span className={`status-icon status-${status}`} role="img" aria-label={STATUS_LABEL[status]} title={STATUS_LABEL[status]} data-status={status}>
      {spinning ? <span className="spinner" aria-hidden="true" /> : <span aria-hidden="true">{GLYPH[status]}</span>}
    </span>
  );
}
