// Queue /queue: what runs now (with ETAs) and what runs next, in dispatch
// order. Reorder by dragging a row, by its buttons (run next, top, up, down)
// or from the keyboard (↑/↓ move between rows, Alt+↑/↓ move the row).
import { useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { backend, toBackendError, type BackendError } from "../backend";
import type { GenerationSummary } from "../bindings";
import type { MoveTo } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { ArrowDownIcon, ArrowUpIcon, GripIcon, NextIcon, PauseIcon, PlayIcon, StopIcon, ToTopIcon } from "../components/icons";
import { ProgressBar } from "../components/ProgressBar";
import { StatusIcon } from "../components/StatusIcon";
import { useApp } from "../context/AppContext";
import { useQueueEta, useQueueOrder } from "../context/QueueContext";
import { formatDuration, formatEta, runningMs, useNow } from "../lib/time";
import { formatWait } from "../lib/wait";
import "../styles/pages/queue.css";

/** `list` with the item at `from` put at `to` (an index in the list without it). */
export function moveItem<T>(list: T[], from: number, to: number): T[] {
  const next = list.slice();
  const [item] = next.splice(from, 1);
  next.splice(Math.max(0, Math.min(next.length, to)), 0, item);
  return next;
}

function PauseButton() {
  const { t } = useTranslation();
  const { info, setInfo } = useApp();
  if (!info) return null;
  const set = (paused: boolean) =>
    (paused ? backend.pauseQueue() : backend.resumeQueue()).then(
      () => setInfo({ ...info, paused }),
      (e: unknown) => console.error("pause/resume failed", e),
    );
  return info.paused ? (
    <button type="button" className="btn btn-primary" onClick={() => void set(false)}>
      <PlayIcon /> {t("queue.resume")}
    </button>
  ) : (
    <button type="button" className="btn" onClick={() => void set(true)}>
      <PauseIcon /> {t("queue.pause")}
    </button>
  );
}

function RunningRow({ g, doneIn, now }: { g: GenerationSummary; doneIn: number | undefined; now: number }) {
  const { t } = useTranslation();
  const ran = runningMs(g, now);
  return (
    <li className="queue-row" data-id={g.id}>
      <StatusIcon status={g.status} />
      <Link to={`/result/${g.id}`} className="queue-row-main">
        <span className="queue-row-prompt">{g.prompt_excerpt || t("common.noPrompt")}</span>
        <span className="queue-row-meta">
          {g.model_name}
          {ran !== null && ` · ${t("result.runningFor", { d: formatDuration(ran) })}`}
        </span>
        <ProgressBar value={g.progress} />
      </Link>
      <span className="queue-row-eta" data-testid="eta">
        {doneIn === undefined ? t("queue.etaUnknown") : t("queue.etaLeft", { d: formatEta(doneIn) })}
      </span>
    </li>
  );
}

export function QueuePage() {
  const { t } = useTranslation();
  const { info } = useApp();
  const { processing, pending, loaded, error: loadError, move, reorder } = useQueueOrder();
  const eta = useQueueEta({ each: true });
  const now = useNow(1000, processing.length > 0);
  const [error, setError] = useState<BackendError | null>(null);
  const [announce, setAnnounce] = useState("");
  const [dragId, setDragId] = useState<string | null>(null);
  const [dropAt, setDropAt] = useState<number | null>(null);
  const list = useRef<HTMLOListElement>(null);

  const focusRow = (id: string) => requestAnimationFrame(() => list.current?.querySelector<HTMLElement>(`[data-id="${id}"] .queue-row-main`)?.focus());

  const doMove = async (g: GenerationSummary, to: MoveTo, keepFocus = false) => {
    setError(null);
    const at = pending.findIndex((x) => x.id === g.id);
    const dest = to === "top" || to === "next" ? 0 : to === "up" ? Math.max(0, at - 1) : Math.min(pending.length - 1, at + 1);
    setAnnounce(t("queue.moved", { prompt: g.prompt_excerpt, n: dest + 1 }));
    if (keepFocus) focusRow(g.id);
    try {
      await move(g.id, to);
    } catch (e) {
      setError(toBackendError(e));
    }
  };

  const cancel = async (g: GenerationSummary) => {
    setError(null);
    try {
      await backend.cancelGeneration(g.id);
    } catch (e) {
      setError(toBackendError(e));
    }
  };

  const onRowKey = (e: KeyboardEvent<HTMLElement>, g: GenerationSummary, i: number) => {
    if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
    e.preventDefault();
    const down = e.key === "ArrowDown";
    if (e.altKey) {
      if ((down && i < pending.length - 1) || (!down && i > 0)) void doMove(g, down ? "down" : "up", true);
      return;
    }
    const next = pending[down ? Math.min(pending.length - 1, i + 1) : Math.max(0, i - 1)];
    if (next) focusRow(next.id);
  };

  const onDragOver = (e: DragEvent<HTMLLIElement>, i: number) => {
    if (!dragId) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    const box = e.currentTarget.getBoundingClientRect();
    setDropAt(e.clientY < box.top + box.height / 2 ? i : i + 1);
  };

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    const from = pending.findIndex((g) => g.id === dragId);
    const at = dropAt;
    setDragId(null);
    setDropAt(null);
    if (from === -1 || at === null) return;
    const to = at > from ? at - 1 : at;
    if (to === from) return;
    const order = moveItem(pending, from, to);
    setAnnounce(t("queue.moved", { prompt: pending[from].prompt_excerpt, n: to + 1 }));
    setError(null);
    try {
      await reorder(order.map((g) => g.id));
    } catch (err) {
      setError(toBackendError(err));
    }
  };

  return (
    <div className="page page-queue">
      <div className="page-head queue-page-head">
        <div>
          <h1>{t("queue.title")}</h1>
          <p className="lede">{t("queue.lede")}</p>
        </div>
        <PauseButton />
      </div>

      <div className="queue-summary card" data-testid="queue-summary">
        <strong data-testid="queue-total">{eta.totalMs !== null ? t("queue.total", { d: formatEta(eta.totalMs) }) : processing.length + pending.length === 0 ? t("queue.empty") : t("queue.totalUnknown")}</strong>
        <span className="muted small">
          {t("common.generations", { count: processing.length + pending.length })} · {t("queue.slots", { count: eta.freeSlots })}
        </span>
      </div>
      {info?.paused && <p className="notice notice-info">{t("queue.paused")}</p>}
      <ErrorNotice error={error ?? loadError} onDismiss={error ? () => setError(null) : undefined} />
      <p className="visually-hidden" aria-live="polite">
        {announce}
      </p>

      <section className="card" aria-labelledby="running-title">
        <h2 id="running-title">
          {t("queue.running")} <span className="muted">({processing.length})</span>
        </h2>
        {processing.length === 0 ? (
          <p className="muted small">{t("queue.nothingRunning")}</p>
        ) : (
          <ul className="queue-rows">
            {processing.map((g) => (
              <RunningRow key={g.id} g={g} doneIn={eta.byId.get(g.id)?.doneIn} now={now} />
            ))}
          </ul>
        )}
      </section>

      <section className="card" aria-labelledby="next-title">
        <div className="section-head">
          <h2 id="next-title">
            {t("queue.next")} <span className="muted">({pending.length})</span>
          </h2>
          {pending.length > 1 && <span className="small muted">{t("queue.keys")}</span>}
        </div>
        {loaded && pending.length === 0 ? (
          <p className="muted small">{t("queue.empty")}</p>
        ) : (
          <ol className="queue-rows" ref={list} aria-label={t("queue.list")} onDrop={(e) => void onDrop(e)} onDragOver={(e) => dragId && e.preventDefault()} data-testid="pending-list">
            {pending.map((g, i) => {
              const prompt = g.prompt_excerpt || t("common.noPrompt");
              const e = eta.byId.get(g.id);
              return (
                <li
                  key={g.id}
                  className={`queue-row queue-row-pending${dragId === g.id ? " dragging" : ""}${dropAt === i ? " drop-before" : ""}${dropAt === i + 1 && i === pending.length - 1 ? " drop-after" : ""}`}
                  data-id={g.id}
                  draggable
                  onDragStart={(ev) => {
                    ev.dataTransfer.effectAllowed = "move";
                    ev.dataTransfer.setData("text/plain", g.id);
                    setDragId(g.id);
                  }}
                  onDragEnd={() => {
                    setDragId(null);
                    setDropAt(null);
                  }}
                  onDragOver={(ev) => onDragOver(ev, i)}
                >
                  <span className="drag-handle" title={t("queue.drag", { prompt })} aria-hidden="true" data-testid="drag-handle">
                    <GripIcon />
                  </span>
                  <span className="queue-pos" aria-hidden="true">
                    {i + 1}
                  </span>
                  <Link to={`/result/${g.id}`} className="queue-row-main" draggable={false} onKeyDown={(ev) => onRowKey(ev, g, i)} aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown">
                    <span className="queue-row-prompt">{prompt}</span>
                    <span className="queue-row-meta">
                      {g.model_name}
                      {g.batch_id && ` · ${t("batch.title")}`}
                      {g.wait_reason && ` · ${formatWait(g.wait_reason)}`}
                    </span>
                  </Link>
                  <span className="queue-row-eta" data-testid="eta">
                    {info?.paused ? "—" : e ? t("queue.eta", { d: formatDuration(e.doneIn) }) : t("queue.etaUnknown")}
                  </span>
                  <span className="queue-row-actions" role="group" aria-label={prompt}>
                    <button type="button" className="btn btn-icon btn-ghost" aria-label={t("queue.runNext")} title={t("queue.runNext")} disabled={i === 0} onClick={() => void doMove(g, "next")}>
                      <NextIcon />
                    </button>
                    <button type="button" className="btn btn-icon btn-ghost" aria-label={t("queue.top")} title={t("queue.top")} disabled={i === 0} onClick={() => void doMove(g, "top")}>
                      <ToTopIcon />
                    </button>
                    <button type="button" className="btn btn-icon btn-ghost" aria-label={t("queue.up")} title={t("queue.up")} disabled={i === 0} onClick={() => void doMove(g, "up")}>
                      <ArrowUpIcon />
                    </button>
                    <button type="button" className="btn btn-icon btn-ghost" aria-label={t("queue.down")} title={t("queue.down")} disabled={i === pending.length - 1} onClick={() => void doMove(g, "down")}>
                      <ArrowDownIcon />
                    </button>
                    <button type="button" className="btn btn-icon btn-ghost" aria-label={t("queue.cancel", { prompt })} title={t("result.cancel")} onClick={() => void cancel(g)}>
                      <StopIcon />
                    </button>
                  </span>
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </div>
  );
}
