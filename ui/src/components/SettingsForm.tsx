import { useTranslation } from "react-i18next";
import type { InputField } from "../bindings";
import type { FormValues } from "../lib/schemaValues";
import { SettingsField } from "./SettingsField";

/** The settings form built from a model's input schema (fields already ordered). */
export function SettingsForm({
  fields,
  values,
  errors,
  onChange,
}: {
  fields: InputField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (name: string, value: unknown) => void;
}) {
  const { t } = useTranslation();
  if (fields.length === 0) return <p className="muted">{t("create.noSettings")}</p>;
  return (
    <div className="settings-grid">
      {fields.map((f) => (
        <SettingsField key={f.name} field={f} value={values[f.name]} error={errors[f.name]} onChange={(v) => onChange(f.name, v)} />
      ))}
    </div>
  );
}
