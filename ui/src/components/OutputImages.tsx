// The outputs of a generation: local files as a grid, placeholders while running.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { fileUrl } from "../backend";
import type { Generation } from "../bindings";
import { isActive } from "../lib/generation";
import { ImageIcon } from "./icons";
import { Lightbox } from "./Lightbox";
import { ProgressBar } from "./ProgressBar";

const EMPTY_TEXT = {
  completed: "outputs.noneCompleted",
  failed: "outputs.noneFailed",
  cancelled: "outputs.noneCancelled",
} as const;

function expectedOutputs(g: Generation): number {
  const n = g.input.num_outputs ?? g.settings.num_outputs;
  return typeof n === "number" && n > 0 ? Math.min(n, 8) : 1;
}

export function OutputImages({ generation, onSave }: { generation: Generation; onSave: (index: number) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<number | null>(null);
  const urls = generation.output_files.map(fileUrl);

  if (urls.length === 0) {
    if (!isActive(generation.status)) {
      return (
        <div className="outputs-empty">
          <ImageIcon />
          <span>{t(generation.status in EMPTY_TEXT ? EMPTY_TEXT[generation.status as keyof typeof EMPTY_TEXT] : "outputs.none")}</span>
        </div>
      );
    }
    return (
      <div className={`outputs outputs-${Math.min(expectedOutputs(generation), 4)}`}>
        {Array.from({ length: expectedOutputs(generation) }, (_, i) => (
          <div key={i} className="output-placeholder" aria-hidden={i > 0}>
            <span className="spinner spinner-lg" aria-hidden="true" />
            <span className="muted">{generation.status === "pending" ? t("outputs.waiting") : generation.progress !== null ? `${Math.round(generation.progress)}%` : t("outputs.generating")}</span>
            {i === 0 && <ProgressBar value={generation.progress} label={t("common.generationProgress")} />}
          </div>
        ))}
      </div>
    );
  }

  return (
    <>
      <div className={`outputs outputs-${Math.min(urls.length, 4)}`}>
        {urls.map((url, i) => (
          <button key={url} type="button" className="output" aria-label={t("outputs.open", { n: i + 1 })} onClick={() => setOpen(i)}>
            <img src={url} alt={t("outputs.alt", { n: i + 1 })} loading="lazy" />
          </button>
        ))}
      </div>
      {open !== null && <Lightbox urls={urls} index={open} onIndex={setOpen} onClose={() => setOpen(null)} onSave={onSave} />}
    </>
  );
}
