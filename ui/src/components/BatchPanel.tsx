// A batch shown together: "3 of 10 done", a bar, every member as a tile, and
// batch-level cancel and retry. get_batch once, then the members' events.
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { GenerationSummary } from "../bindings";
import type { BatchSummary } from "../bindings";
import { useApp } from "../context/AppContext";
import { useGenerationActions } from "../context/GenerationsContext";
import { isOwn } from "../context/generationsState";
import { useQueueEta } from "../context/QueueContext";
import { isActive } from "../lib/generation";
import { formatEta } from "../lib/time";
import { BatchCost } from "./BatchCost";
import { ErrorNotice } from "./ErrorNotice";
import { RetryIcon, StopIcon } from "./icons";
import { OutputThumb } from "./OutputThumb";
import { ProgressBar } from "./ProgressBar";
import { StatusIcon } from "./StatusIcon";

export type BatchCounts = { total: number; done: number; completed: number; failed: number; cancelled: number; active: number };

/** Counts over the members a retry has not replaced (a retried one counts once, as its retry). */
export function batchCounts(members: GenerationSummary[]): BatchCounts {
  const replaced = new Set(members.map((g) => g.retried_from).filter(Boolean));
  const live = members.filter((g) => !replaced.has(g.id));
  const n = (s: GenerationSummary["status"]) => live.filter((g) => g.status === s).length;
  const active = live.filter((g) => isActive(g.status)).length;
  return { total: live.length, done: live.length - active, completed: n("completed"), failed: n("failed"), cancelled: n("cancelled"), active };
}

function upsert(list: GenerationSummary[], g: GenerationSummary): GenerationSummary[] {
  const at = list.findIndex((x) => x.id === g.id);
  if (at === -1) return [...list, g];
  const next = list.slice();
  next[at] = g;
  return next;
}

/** One batch's members, kept live by events. */
export function useBatch(batchId: string | null) {
  const [batch, setBatch] = useState<BatchSummary | null>(null);
  const [members, setMembers] = useState<GenerationSummary[]>([]);
  const [error, setError] = useState<BackendError | null>(null);
  useEffect(() => {
    if (!batchId) return;
    let live = true;
    const stop = onQueueEvent((event) => {
      if (event.type === "generation_changed" && event.data.batch_id === batchId) setMembers((l) => upsert(l, event.data));
      else if (event.type === "generation_removed") setMembers((l) => l.filter((g) => g.id !== event.data.id));
    });
    backend.getBatch(batchId).then(
      (b) => {
        if (!live) return;
        setBatch(b);
        // Events may have come first: keep the newer of each.
        setMembers((seen) => b.generations.map((g) => seen.find((s) => s.id === g.id) ?? g).concat(seen.filter((s) => !b.generations.some((g) => g.id === s.id))));
      },
      (e: unknown) => live && setError(toBackendError(e)),
    );
    return () => {
      live = false;
      stop();
    };
  }, [batchId]);
  return { batch, members, error };
}

export function BatchPanel({ batchId, currentId }: { batchId: string; currentId: string }) {
  const { t } = useTranslation();
  const { batch, members, error: loadError } = useBatch(batchId);
  const { noteCreated } = useGenerationActions();
  const [error, setError] = useState<BackendError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const counts = useMemo(() => batchCounts(members), [members]);
  const eta = useQueueEta({ each: members.some((g) => g.status === "pending") });
  const doneIn = Math.max(0, ...members.map((g) => eta.byId.get(g.id)?.doneIn ?? 0));

  if (loadError) return <ErrorNotice error={loadError} />;
  if (!batch) return null;

  const act = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      setNote(await what());
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setBusy(false);
    }
  };
  const replaced = new Set(members.map((g) => g.retried_from).filter(Boolean));
  const shown = members.filter((g) => !replaced.has(g.id));
  // On a team's database "Cancel" stops one's own; other members' (a retry
  // of theirs joins the batch) only by the explicit "everyone's" button.
  const own = useApp().info?.own_member ?? null;
  const othersActive = shown.filter((g) => isActive(g.status) && !isOwn(g, own)).length;
  const cancel = (scope: "mine" | "everyone") =>
    act(async () => {
      const n = await backend.cancelBatch(batchId, scope);
      return t("batch.cancelled", { count: n });
    });

  return (
    <section className="batch card" aria-labelledby="batch-title" data-testid="batch-panel">
      <div className="section-head">
        <h2 id="batch-title">
          {t("batch.title")} · <span data-testid="batch-progress">{t("batch.progress", { done: counts.done, total: counts.total })}</span>
        </h2>
        <div className="batch-actions">
          {counts.active > othersActive && (
            <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void cancel("mine")}>
              <StopIcon /> {t("batch.cancel")}
            </button>
          )}
          {othersActive > 0 && (
            <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void cancel("everyone")} data-testid="batch-cancel-everyone">
              <StopIcon /> {t("team.cancelEveryone", { count: othersActive })}
            </button>
          )}
          {counts.failed + counts.cancelled > 0 && (
            <button
              type="button"
              className="btn btn-sm"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  const again = await backend.retryBatch(batchId);
                  noteCreated(again);
                  return t("batch.retried", { count: again.length });
                })
              }
            >
              <RetryIcon /> {t("batch.retry")}
            </button>
          )}
        </div>
      </div>
      <ProgressBar value={counts.total ? (counts.done / counts.total) * 100 : 0} label={t("batch.progress", { done: counts.done, total: counts.total })} />
      <p className="small muted">
        {t("batch.detail", counts)}
        {counts.active > 0 && doneIn > 0 && ` · ${t("batch.eta", { d: formatEta(doneIn) })}`}
      </p>
      <p className="small">
        <BatchCost batchId={batchId} />
      </p>
      <ul className="batch-tiles">
        {shown.map((g) => (
          <li key={g.id}>
            <Link
              to={`/result/${g.id}`}
              className={`batch-tile${g.id === currentId ? " batch-tile-current" : ""}`}
              aria-label={t("batch.open", { prompt: g.prompt_excerpt })}
              aria-current={g.id === currentId ? "page" : undefined}
              title={g.prompt_excerpt}
            >
              <OutputThumb files={g.output_files} id={g.id} />
              <span className="batch-tile-status">
                <StatusIcon status={g.status} />
              </span>
            </Link>
          </li>
        ))}
      </ul>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {note && (
        <p className="notice notice-ok" role="status">
          {note}
        </p>
      )}
    </section>
  );
}
