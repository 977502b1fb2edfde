// The ⟳ N counter: N unviewed generations, ⟳ spinning while any is active,
// hidden at 0. It opens the GenerationsQueue dropdown.
import { useEffect, useId, useRef, useState } from "react";
import { useGenerations } from "../context/GenerationsContext";
import { GenerationsQueue } from "./GenerationsQueue";
import { CounterArrowIcon } from "./icons";

export function QueueCounter() {
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

  if (unviewedCount === 0) return null;
  const label = `${unviewedCount} unviewed generation${unviewedCount === 1 ? "" : "s"}${activeCount > 0 ? `, ${activeCount} in progress` : ""}`;
  return (
    <div className="counter-wrap" ref={wrap}>
      <button
        ref={button}
        type="button"
        className={`counter${open ? " counter-open" : ""}`}
        aria-label={label}
        title={label}
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
