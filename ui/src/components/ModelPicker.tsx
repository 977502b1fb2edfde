// Preset models as chips, any owner/name[:version] typed by hand, and the
// model browser (search, collections, favourites, recent) to find others.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ModelPreset } from "../bindings";
import { SearchIcon } from "./icons";
import { ModelBrowser } from "./ModelBrowser";
import "../styles/media.css";

export const MODEL_PATTERN = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*(:[0-9a-f]{6,})?$/;

export const FALLBACK_PRESETS: ModelPreset[] = [
  { label: "FLUX Schnell", model: "black-forest-labs/flux-schnell", description: "Fastest FLUX: good images in about a second." },
  { label: "FLUX Dev", model: "black-forest-labs/flux-dev", description: "Higher quality FLUX for careful work." },
  { label: "SDXL", model: "stability-ai/sdxl", description: "Stable Diffusion XL, many styles." },
];

export function ModelPicker({
  presets,
  model,
  error,
  onChange,
}: {
  presets: ModelPreset[];
  model: string;
  error: string | null;
  onChange: (model: string) => void;
}) {
  const { t } = useTranslation();
  const [browsing, setBrowsing] = useState(false);
  const current = presets.find((p) => p.model === model);
  return (
    <div className={`field field-wide${error ? " field-invalid" : ""}`}>
      <span className="field-label" id="model-label">
        {t("model.label")}
      </span>
      <div className="chips" role="group" aria-labelledby="model-label">
        {presets.map((p) => (
          <button key={p.model} type="button" className="chip" aria-pressed={p.model === model} title={p.model} onClick={() => onChange(p.model)}>
            {p.label}
          </button>
        ))}
      </div>
      <div className="model-picker-row">
        <input
          className="input input-mono"
          aria-label={t("model.input")}
          aria-describedby="model-help"
          placeholder={t("model.placeholder")}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          value={model}
          onChange={(e) => onChange(e.target.value.trim())}
        />
        <button type="button" className="btn" onClick={() => setBrowsing(true)}>
          <SearchIcon /> {t("browser.open")}
        </button>
      </div>
      <div id="model-help" className="field-help">
        {error ? <span className="field-error">{error}</span> : current ? current.description : t("model.help")}
      </div>
      {browsing && (
        <ModelBrowser
          onClose={() => setBrowsing(false)}
          onChoose={(m) => {
            onChange(m);
            setBrowsing(false);
          }}
        />
      )}
    </div>
  );
}
