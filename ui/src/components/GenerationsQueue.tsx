// GenerationsQueue (the seed's name): the dropdown under the ⟳ N counter with
// the 5 latest unviewed generations. A click marks one viewed and opens it.
import { useEffect, useRef, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useGenerations } from "../context/GenerationsContext";
import { formatFailure } from "../lib/failure";
import { isActive } from "../lib/generation";
import { elapsedMs, formatDuration, useNow } from "../lib/time";
import { EtaLine } from "./GenerationFacts";
import { ProgressBar } from "./ProgressBar";
import { StatusIcon } from "./StatusIcon";
import { OutputThumb } from "./OutputThumb";
import { BatchCost } from "./BatchCost";
import { UseAsInputButton } from "./UseAsInput";

export const QUEUE_SIZE = 5;

export function GenerationsQueue({ id, onClose }: { id: string; onClose: (refocus: boolean) => void }) {
  const { t } = useTranslation();
  const { unviewedGenerations, unviewedCount, markAsViewed, markAllViewed } = useGenerations();
  const navigate = useNavigate();
  const latest = unviewedGenerations.slice(0, QUEUE_SIZE);
  const now = useNow(1000, latest.some((g) => isActive(g.status)));
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    panel.current?.querySelector<HTMLElement>(".queue-item")?.focus();
  }, []);

  const open = (genId: string) => {
    markAsViewed(genId).catch((error: unknown) => console.error("mark_viewed failed", error));
    onClose(false);
    navigate(`/result/${genId}`);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onClose(true);
      return;
    }
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const items = Array.from(panel.current?.querySelectorAll<HTMLElement>(".queue-item, .queue-footer button") ?? []);
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next = e.key === "ArrowDown" ? Math.min(items.length - 1, at + 1) : Math.max(0, at - 1);
    items[next]?.focus();
    e.preventDefault();
  };

  const more = unviewedCount - latest.length;
  // A batch's cost shows once, on its first generation in the list.
  const firstOfBatch = new Set(latest.filter((g, i) => g.batch_id && latest.findIndex((x) => x.batch_id === g.batch_id) === i).map((g) => g.id));
  return (
    <div className="queue" id={id} ref={panel} role="dialog" aria-label={t("dropdown.label")} onKeyDown={onKeyDown}>
      <div className="queue-head">
        <span>{t("dropdown.title")}</span>
        <span className="queue-count">{unviewedCount}</span>
      </div>
      {latest.length === 0 ? (
        <p className="queue-empty">{t("dropdown.empty")}</p>
      ) : (
        <ul className="queue-list">
          {latest.map((g) => (
            <li key={g.id} className="queue-entry">
              <button type="button" className="queue-item" data-id={g.id} onClick={() => open(g.id)}>
                <StatusIcon status={g.status} />
                {g.output_files.length > 0 && (
                  <span className="queue-thumb">
                    <OutputThumb files={g.output_files} id={g.id} />
                  </span>
                )}
                <span className="queue-body">
                  <span className="queue-line">
                    <span className="queue-model">{g.model_name}</span>
                    <span className="queue-time">{formatDuration(elapsedMs(g, now))}</span>
                  </span>
                  <span className="queue-prompt">{g.prompt_excerpt || t("common.noPrompt")}</span>
                  {isActive(g.status) && <ProgressBar value={g.progress} />}
                  {isActive(g.status) && <EtaLine generation={g} />}
                  {g.status === "failed" && <span className="queue-error">{formatFailure(g)}</span>}
                  {g.batch_id && firstOfBatch.has(g.id) && <BatchCost batchId={g.batch_id} className="queue-batch" named />}
                </span>
              </button>
              <UseAsInputButton files={g.output_files} compact onCarried={() => onClose(false)} />
            </li>
          ))}
        </ul>
      )}
      {more > 0 && <p className="queue-more">{t("dropdown.more", { count: more })}</p>}
      <div className="queue-footer">
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          onClick={() => {
            markAllViewed().catch((error: unknown) => console.error("mark_all_viewed failed", error));
            onClose(true);
          }}
        >
          {t("dropdown.markAll")}
        </button>
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          onClick={() => {
            onClose(false);
            navigate("/history");
          }}
        >
          {t("dropdown.viewAll")}
        </button>
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          onClick={() => {
            onClose(false);
            navigate("/queue");
          }}
        >
          {t("dropdown.openQueue")}
        </button>
      </div>
    </div>
  );
}
