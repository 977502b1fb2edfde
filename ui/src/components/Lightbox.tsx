// Full-size view of one output image; ←/→ between images, Esc closes.
import { useEffect, useRef } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { ChevronLeftIcon, ChevronRightIcon, CloseIcon, SaveIcon } from "./icons";

export function Lightbox({
  urls,
  index,
  onIndex,
  onClose,
  onSave,
}: {
  urls: string[];
  index: number;
  onIndex: (i: number) => void;
  onClose: () => void;
  onSave: (i: number) => void;
}) {
  const { t } = useTranslation();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => back?.focus();
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
      else if (e.key === "ArrowRight" && index < urls.length - 1) onIndex(index + 1);
      else if (e.key === "ArrowLeft" && index > 0) onIndex(index - 1);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [index, urls.length, onClose, onIndex]);

  // A portal: above the sticky header whatever stacking context the page makes.
  return createPortal(
    <div className="lightbox" role="dialog" aria-modal="true" aria-label={t("outputs.dialog", { n: index + 1, total: urls.length })} onClick={onClose}>
      <img src={urls[index]} alt={t("outputs.altFull", { n: index + 1 })} onClick={(e) => e.stopPropagation()} />
      <div className="lightbox-bar" onClick={(e) => e.stopPropagation()}>
        {urls.length > 1 && (
          <button type="button" className="btn btn-icon btn-on-dark" aria-label={t("outputs.previous")} disabled={index === 0} onClick={() => onIndex(index - 1)}>
            <ChevronLeftIcon />
          </button>
        )}
        <span className="lightbox-count">
          {index + 1} / {urls.length}
        </span>
        {urls.length > 1 && (
          <button type="button" className="btn btn-icon btn-on-dark" aria-label={t("outputs.next")} disabled={index === urls.length - 1} onClick={() => onIndex(index + 1)}>
            <ChevronRightIcon />
          </button>
        )}
        <button type="button" className="btn btn-icon btn-on-dark" aria-label={t("outputs.save")} onClick={() => onSave(index)}>
          <SaveIcon />
        </button>
        <button ref={closeRef} type="button" className="btn btn-icon btn-on-dark" aria-label={t("outputs.close")} onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
    </div>,
    document.body,
  );
}
