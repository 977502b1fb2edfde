// The ⟳ N counter: N unviewed generations, ⟳ spinning while any is active,
// hidden at 0. It opens the GenerationsQueue dropdown; so does Alt+Q from
// anywhere (with nothing unviewed, Alt+Q opens the Queue page instead).
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useGenerations } from "../context/GenerationsContext";
import { GenerationsQueue } from "./GenerationsQueue";
import { CounterArrowIcon } from "./icons";

/** Alt+Q (by key position, so it works whatever the keyboard layout). */
export function isQueueShortcut(e: KeyboardEvent): boolean {
  return e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.code === "KeyQ";
}

export function QueueCounter() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { unviewedCount, activeCount } = useGenerations();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isQueueShortcut(e)) return;
      e.preventDefault();
      if (unviewedCount === 0) navigate("/queue");
      else setOpen((o) => !o);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [unviewedCount, navigate]);

  if (unviewedCount === 0) return null;
  const label = activeCount > 0 ? `${t("counter.label", { count: unviewedCount })}, ${t("counter.active", { count: activeCount })}` : t("counter.label", { count: unviewedCount });
  return (
    <div className="counter-wrap" ref={wrap}>
      <button
        ref={button}
        type="button"
        className={`counter${open ? " counter-open" : ""}`}
        aria-label={label}
        title={`${label} (${t("counter.shortcut")})`}
        aria-keyshortcuts="Alt+Q"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        data-testid="queue-counter"
        onClick={() => setOpen((o) => !o)}
      >
        <span className={`counter-glyph${activeCount > 0 ? " spinning" : ""}`} aria-hidden="true" data-testid="counter-glyph">
          <CounterArrowIcon />
        </span>
        <span className="visually-hidden">⟳ </span>
        <span className="counter-n" data-testid="counter-n">{unviewedCount}</span>
      </button>
      {open && (
        <GenerationsQueue
          id={panelId}
          onClose={(refocus) => {
            setOpen(false);
            if (refocus) button.current?.focus();
          }}
        />
      )}
    </div>
  );
}
