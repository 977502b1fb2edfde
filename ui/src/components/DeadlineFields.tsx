// The create form's deadlines (issue #12): how long a prediction may wait for
// a GPU (empty: the setting), and Replicate's Cancel-After (empty: none).
// The ranges are the core's (`genqueue_core::deadlines`); the Rust side
// checks them again.
import { useTranslation } from "react-i18next";
import type { Deadlines } from "../bindings";

export type DeadlineTexts = { start: string; run: string };

/** The `deadlines` of create_generation from the two texts, or what is wrong with each. */
export function deadlinesOf(texts: DeadlineTexts): { deadlines: Deadlines; errors: { start?: true; run?: true } } {
  const read = (text: string, min: number, max: number, unit: number): number | null | undefined => {
    if (text.trim() === "") return null;
    const n = Number(text);
    return Number.isInteger(n) && n >= min && n <= max ? n * unit : undefined;
  };
  const start = read(texts.start, 1, 1440, 60);
  const run = read(texts.run, 5, 86400, 1);
  const errors: { start?: true; run?: true } = {};
  if (start === undefined) errors.start = true;
  if (run === undefined) errors.run = true;
  return { deadlines: { start_deadline_secs: start ?? null, run_deadline_secs: run ?? null }, errors };
}

export function DeadlineFields({
  texts,
  errors,
  settingMinutes,
  onChange,
}: {
  texts: DeadlineTexts;
  errors: { start?: true; run?: true };
  settingMinutes: number;
  onChange: (texts: DeadlineTexts) => void;
}) {
  const { t } = useTranslation();
  return (
    <details className="deadlines" open={texts.start !== "" || texts.run !== "" || !!errors.start || !!errors.run}>
      <summary>{t("create.deadlines")}</summary>
      <div className="deadlines-grid">
      <div className={`field${errors.start ? " field-invalid" : ""}`}>
        <label htmlFor="start-deadline" className="field-label">
          {t("create.startDeadline")}
        </label>
        <input
          id="start-deadline"
          className="input input-number"
          type="number"
          min={1}
          max={1440}
          placeholder={String(settingMinutes)}
          aria-describedby="start-deadline-help"
          value={texts.start}
          onChange={(e) => onChange({ ...texts, start: e.target.value })}
        />
        <p id="start-deadline-help" className="field-help">
          {errors.start ? <span className="field-error">{t("create.badStartDeadline")}</span> : t("create.startDeadlineHelp", { minutes: settingMinutes })}
        </p>
      </div>
      <div className={`field${errors.run ? " field-invalid" : ""}`}>
        <label htmlFor="run-deadline" className="field-label">
          {t("create.runDeadline")}
        </label>
        <input
          id="run-deadline"
          className="input input-number"
          type="number"
          min={5}
          max={86400}
          aria-describedby="run-deadline-help"
          value={texts.run}
          onChange={(e) => onChange({ ...texts, run: e.target.value })}
        />
        <p id="run-deadline-help" className="field-help">
          {errors.run ? <span className="field-error">{t("create.badRunDeadline")}</span> : t("create.runDeadlineHelp")}
        </p>
      </div>
      </div>
    </details>
  );
}
