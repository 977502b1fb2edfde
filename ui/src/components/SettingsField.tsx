// One setting of a model, its widget chosen by the schema: enums → select,
// bounded numbers → slider + number field, booleans → toggle, strings → input.
import { useTranslation } from "react-i18next";
import type { InputField } from "../bindings";
import { fieldLabel, isBounded, showValue } from "../lib/schemaValues";
import { FileField } from "./FileField";
import "../styles/files.css";

type Props = { field: InputField; value: unknown; error?: string; onChange: (value: unknown) => void };

function step(field: InputField): number {
  if (field.kind.type === "integer") return 1;
  const span = (field.maximum ?? 1) - (field.minimum ?? 0);
  return span <= 1 ? 0.01 : span <= 10 ? 0.1 : 1;
}

function parseNumber(raw: string): number | null {
  if (raw.trim() === "") return null;
  const n = Number(raw);
  return Number.isNaN(n) ? null : n;
}

function Widget({ field, value, onChange, inputId, describedBy }: Props & { inputId: string; describedBy: string }) {
  const { t } = useTranslation();
  const common = { id: inputId, name: field.name, "aria-describedby": describedBy };
  const kind = field.kind;
  switch (kind.type) {
    case "enum": {
      const at = kind.choices.findIndex((c) => c === value);
      return (
        <select {...common} className="input" value={at === -1 ? "" : String(at)} onChange={(e) => onChange(e.target.value === "" ? null : kind.choices[Number(e.target.value)])}>
          {(at === -1 || !field.required) && <option value="">{at === -1 ? t("field.choose") : t("field.notSet")}</option>}
          {kind.choices.map((c, i) => (
            <option key={i} value={String(i)}>
              {showValue(c)}
            </option>
          ))}
        </select>
      );
    }
    case "boolean":
      return (
        // A span, not a label: the field's own <label> names the switch; the input covers the track.
        <span className="switch">
          <input {...common} type="checkbox" role="switch" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-text" aria-hidden="true">
            {value === true ? t("common.on") : t("common.off")}
          </span>
        </span>
      );
    case "integer":
    case "number": {
      const num = typeof value === "number" ? value : null;
      const numberInput = (
        <input
          {...common}
          className="input input-number"
          type="number"
          inputMode={kind.type === "integer" ? "numeric" : "decimal"}
          step={step(field)}
          min={field.minimum ?? undefined}
          max={field.maximum ?? undefined}
          placeholder={field.default === null ? t("field.notSetPlaceholder") : undefined}
          value={num === null ? "" : String(num)}
          onChange={(e) => onChange(parseNumber(e.target.value))}
        />
      );
      if (!isBounded(field)) return numberInput;
      return (
        <div className="slider-row">
          <input
            type="range"
            className="slider"
            aria-label={t("field.slider", { label: fieldLabel(field) })}
            min={field.minimum ?? 0}
            max={field.maximum ?? 100}
            step={step(field)}
            value={num ?? field.minimum ?? 0}
            onChange={(e) => onChange(Number(e.target.value))}
          />
          {numberInput}
        </div>
      );
    }
    case "files":
      return <FileField field={field} value={value} inputId={inputId} describedBy={describedBy} onChange={onChange} />;
    case "string": {
      if (kind.format === "uri") return <FileField field={field} value={value} inputId={inputId} describedBy={describedBy} onChange={onChange} />;
      const text = typeof value === "string" ? value : "";
      if (field.name.includes("prompt")) {
        return <textarea {...common} className="input" rows={2} value={text} onChange={(e) => onChange(e.target.value)} />;
      }
      return (
        <input
          {...common}
          className="input"
          type={kind.format === "uri" ? "url" : "text"}
          placeholder={kind.format === "uri" ? "https://…" : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    }
    case "other":
      return (
        <input
          {...common}
          className="input input-mono"
          placeholder={t("field.json")}
          value={typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value)}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

export function SettingsField(props: Props) {
  const { t } = useTranslation();
  const { field, error } = props;
  const inputId = `setting-${field.name}`;
  const helpId = `${inputId}-help`;
  const wide = field.kind.type === "string" || field.kind.type === "other" || field.kind.type === "files";
  return (
    <div className={`field${wide ? " field-wide" : ""}${error ? " field-invalid" : ""}`} data-field={field.name} data-kind={field.kind.type}>
      <div className="field-label-row">
        <label htmlFor={inputId} className="field-label">
          {fieldLabel(field)}
          {field.required && <span className="required" aria-label={t("field.required")}> *</span>}
        </label>
        {field.default !== null && field.default !== undefined && !(Array.isArray(field.default) && field.default.length === 0) && <span className="field-default">{t("field.default", { value: showValue(field.default) })}</span>}
      </div>
      <Widget {...props} inputId={inputId} describedBy={helpId} />
      <div id={helpId} className="field-help">
        {error ? <span className="field-error">{error}</span> : field.description}
      </div>
    </div>
  );
}
