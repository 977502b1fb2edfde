import { useTranslation } from "react-i18next";

/** A thin bar for a 0–100 progress; nothing when progress is unknown. */
export function ProgressBar({ value, label }: { value: number | null; label?: string }) {
  const { t } = useTranslation();
  if (value === null) return null;
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div className="progress" role="progressbar" aria-label={label ?? t("common.progress")} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}
