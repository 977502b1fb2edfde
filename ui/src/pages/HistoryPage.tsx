// History /history: every generation, newest first, paged with a `before` cursor.
// Pages are read on demand; what changes afterwards arrives by events through
// GenerationsContext and shows here too.
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link } from "react-router";
import { backend, fileUrl, toBackendError, type BackendError } from "../backend";
import type { GenerationSummary } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { ImageIcon } from "../components/icons";
import { ProgressBar } from "../components/ProgressBar";
import { StatusIcon } from "../components/StatusIcon";
import { useGenerations } from "../context/GenerationsContext";
import { isActive, newestFirst, STATUS_LABEL } from "../lib/generation";
import { formatWhen } from "../lib/time";

export const PAGE_SIZE = 30;

export function HistoryPage() {
  const { generations } = useGenerations();
  const [pages, setPages] = useState<GenerationSummary[]>([]);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);

  const loadMore = useCallback(async (before: string | undefined) => {
    setBusy(true);
    setError(null);
    try {
      const page = await backend.listGenerations({ limit: PAGE_SIZE, before });
      setPages((old) => [...old, ...page]);
      setDone(page.length < PAGE_SIZE);
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void loadMore(undefined);
  }, [loadMore]);

  const rows = useMemo(() => {
    const live = new Map(generations.map((g) => [g.id, g]));
    const byId = new Map<string, GenerationSummary>();
    for (const g of pages) byId.set(g.id, live.get(g.id) ?? g);
    // Generations newer than the first page's oldest one (created since, or loaded by the context).
    const oldest = pages[pages.length - 1];
    for (const g of generations) if (!oldest || done || newestFirst(g, oldest) <= 0) byId.set(g.id, g);
    return Array.from(byId.values()).sort(newestFirst);
  }, [pages, generations, done]);

  return (
    <div className="page page-history">
      <div className="page-head">
        <h1>History</h1>
        <p className="lede">Every generation, newest first.</p>
      </div>
      <ErrorNotice error={error} />
      {rows.length === 0 && !busy && !error ? (
        <div className="empty card">
          <p>No generations yet.</p>
          <Link className="btn btn-primary" to="/">
            Create one
          </Link>
        </div>
      ) : (
        <ul className="history card">
          {rows.map((g) => (
            <li key={g.id}>
              <Link to={`/result/${g.id}`} className="history-row" data-id={g.id}>
                <span className="thumb">{g.output_files[0] ? <img src={fileUrl(g.output_files[0])} alt="" loading="lazy" /> : <ImageIcon />}</span>
                <span className="history-body">
                  <span className="history-prompt">{g.prompt_excerpt || "(no prompt)"}</span>
                  <span className="history-meta">
                    {g.model_name}
                    {g.output_files.length > 1 && ` · ${g.output_files.length} images`}
                    {g.status === "failed" && g.error && <span className="history-error"> · {g.error}</span>}
                  </span>
                  {isActive(g.status) && <ProgressBar value={g.progress} />}
                </span>
                <span className="history-status">
                  <StatusIcon status={g.status} />
                  <span className="small">{STATUS_LABEL[g.status]}</span>
                </span>
                <span className="history-when small muted">
                  {!g.viewed && <span className="dot" title="Not viewed yet" aria-label="Not viewed yet" />}
                  {formatWhen(g.created_at)}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {!done && pages.length > 0 && (
        <div className="load-more">
          <button type="button" className="btn" disabled={busy} onClick={() => void loadMore(pages[pages.length - 1]?.id)}>
            {busy ? "Loading…" : "Load older"}
          </button>
        </div>
      )}
    </div>
  );
}
