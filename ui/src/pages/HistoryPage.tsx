// History /history: every generation, newest first, in a virtualized list
// (only the rows in view are in the DOM), read page by page from list_history
// as it scrolls; filters, a debounced prompt search, multi-select actions and
// "Clear finished". ↑/↓/PgUp/PgDn/Home/End move, Enter opens, Space selects.
// `/history?from=…&to=…` (RFC 3339) shows one run of the queue (a click on
// the "Queue finished" notification) until its chip is pressed.
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { Counters, GenerationSpend, GenerationStatus, GenerationSummary } from "../bindings";
import type { BulkAction } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { SearchIcon } from "../components/icons";
import { OutputThumb } from "../components/OutputThumb";
import { CreatorFilter, OthersToo } from "../components/People";
import { UseAsInputButton } from "../components/UseAsInput";
import { ProgressBar } from "../components/ProgressBar";
import { StatusIcon } from "../components/StatusIcon";
import { formatFailure } from "../lib/failure";
import { isActive, STATUSES } from "../lib/generation";
import { mainKind } from "../lib/outputs";
import { formatWhen } from "../lib/time";
import { costChanges, HISTORY_TOTAL_REFRESH_MS, rowCostText, totalText, useGenerationCosts, useSpendTotal } from "../lib/spendTotals";
import { isFiltered, NO_FILTERS, toQuery, useHistory, type HistoryFilters } from "../lib/useHistory";
import { useTeam } from "../lib/useTeam";
import "../styles/pages/history.css";

export const ROW_HEIGHT = 64;
/** Load the next page when the view comes this close (in rows) to the end of what is loaded. */
const PREFETCH_ROWS = 40;
const SEARCH_DEBOUNCE_MS = 250;

/** The counters, read once and then followed (for the total). */
function useCounters(): Counters | null {
  const [counters, setCounters] = useState<Counters | null>(null);
  useEffect(() => {
    let live = true;
    const stop = onQueueEvent((e) => {
      if (e.type === "counters_changed") setCounters((c) => (c && e.data.seq < c.seq ? c : e.data));
    });
    backend.getCounters().then(
      (c) => live && setCounters((old) => old ?? c),
      (e: unknown) => console.error("get_counters failed", e),
    );
    return () => {
      live = false;
      stop();
    };
  }, []);
  return counters;
}

/** One row; memoized, so that a scroll renders only the rows coming into view. */
const HistoryRow = memo(function HistoryRow({
  g,
  index,
  selected,
  active,
  cost,
  onSelect,
  team,
}: {
  g: GenerationSummary;
  /** On a team's database: the row says who created it. */
  team?: boolean;
  index: number;
  selected: boolean;
  active: boolean;
  /** Its spend row; `null`: none (unknown); `undefined`: not read yet. */
  cost: GenerationSpend | null | undefined;
  onSelect: (index: number, e: MouseEvent<HTMLInputElement>) => void;
}) {
  const { t } = useTranslation();
  const prompt = g.prompt_excerpt || t("common.noPrompt");
  return (
    <>
      <input type="checkbox" className="history-check" aria-label={t("history.select", { prompt })} checked={selected} onChange={() => {}} onClick={(e) => onSelect(index, e)} tabIndex={-1} />
      <Link to={`/result/${g.id}`} className="history-row" data-id={g.id} tabIndex={active ? 0 : -1}>
        <span className="thumb">
          <OutputThumb files={g.output_files} id={g.id} />
        </span>
        <span className="history-body">
          <span className="history-prompt">{prompt}</span>
          <span className="history-meta">
            {g.model_name}
            {team && g.creator.member && (
              <span className="history-creator" data-testid="history-creator">
                {" · "}
                {g.creator.machine ? t("team.by", { member: g.creator.member, machine: g.creator.machine }) : t("team.byMember", { member: g.creator.member })}
              </span>
            )}
            {g.output_files.length > 1 && ` · ${mainKind(g.output_files) === "image" ? t("common.images", { count: g.output_files.length }) : t("outputs.files", { count: g.output_files.length })}`}
            {g.batch_id && <span className="history-batch"> · {t("batch.title")}</span>}
            {g.status === "failed" && <span className="history-error"> · {formatFailure(g)}</span>}
          </span>
          {isActive(g.status) && <ProgressBar value={g.progress} />}
        </span>
        <span className="history-status">
          <StatusIcon status={g.status} />
          <span className="small">{t(`status.${g.status}`)}</span>
        </span>
        <span className={`history-cost small${cost && (cost.ended ? cost.final : cost.estimate) !== null ? "" : " muted"}`} data-testid="history-cost">
          {cost !== undefined && rowCostText(cost)}
        </span>
        <span className="history-when small muted">
          {!g.viewed && <span className="dot" title={t("common.notViewed")} aria-label={t("common.notViewed")} role="img" />}
          <time dateTime={g.created_at}>{formatWhen(g.created_at)}</time>
        </span>
      </Link>
      {/* A slot of the button's width in every row, so the columns line up with or without it. */}
      <span className="history-use-slot">
        <UseAsInputButton files={g.output_files} compact />
      </span>
    </>
  );
});

export function HistoryPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const runFrom = params.get("from");
  const runTo = params.get("to");
  const team = useTeam();
  const [filters, setFilters] = useState<HistoryFilters>(() => ({ ...NO_FILTERS, run: runFrom && runTo ? { from: runFrom, to: runTo } : null }));
  useEffect(() => {
    const run = runFrom && runTo ? { from: runFrom, to: runTo } : null;
    setFilters((f) => (f.run?.from === run?.from && f.run?.to === run?.to ? f : { ...f, run }));
  }, [runFrom, runTo]);
  const [text, setText] = useState("");
  const { items, loading, done, error: loadError, loadMore, reload } = useHistory(filters);
  const counters = useCounters();
  const costs = useGenerationCosts(items);
  const filtersKey = JSON.stringify(filters);
  const spendTotal = useSpendTotal(() => backend.historySpend(toQuery(filters, null)), filtersKey, useMemo(() => costChanges(), [filtersKey]), HISTORY_TOTAL_REFRESH_MS);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [confirm, setConfirm] = useState<"delete" | "clear" | null>(null);
  // On a team's database: act on other members' generations too (chosen explicitly).
  const [everyone, setEveryone] = useState(false);
  const me = team?.active ? team.member : null;
  const scope = me && everyone ? "everyone" : "mine";
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [models, setModels] = useState<string[]>([]);
  const scroller = useRef<HTMLDivElement>(null);
  const keyboardMove = useRef(false);

  useEffect(() => {
    backend.historyModels().then(setModels, (e: unknown) => console.error("history_models failed", e));
  }, []);

  // The search waits for typing to settle.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => (f.text === text ? f : { ...f, text })), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    setSelected(new Set());
    setActive(0);
    setAnchor(null);
    scroller.current?.scrollTo({ top: 0 });
  }, [filters]);

  const count = items.length + (done ? 0 : 1);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    getItemKey: (i) => items[i]?.id ?? "loader",
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastShown = virtualRows.length ? virtualRows[virtualRows.length - 1].index : 0;
  useEffect(() => {
    if (lastShown >= items.length - PREFETCH_ROWS) loadMore();
  }, [lastShown, items.length, loadMore]);

  // Keyboard moves: scroll the row in, then focus its link once rendered.
  useEffect(() => {
    if (!keyboardMove.current) return;
    virtualizer.scrollToIndex(active, { align: "auto" });
    const frame = requestAnimationFrame(() => {
      scroller.current?.querySelector<HTMLElement>(`[data-index="${active}"] .history-row`)?.focus({ preventScroll: true });
      keyboardMove.current = false;
    });
    return () => cancelAnimationFrame(frame);
  }, [active, virtualizer]);

  const toggle = useCallback(
    (index: number, e: { shiftKey: boolean }) => {
      const id = items[index]?.id;
      if (!id) return;
      setSelected((old) => {
        const next = new Set(old);
        if (e.shiftKey && anchor !== null) {
          const [a, b] = anchor < index ? [anchor, index] : [index, anchor];
          const on = !old.has(id);
          for (let i = a; i <= b; i++) if (items[i]) (on ? next.add(items[i].id) : next.delete(items[i].id));
        } else if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      });
      setAnchor(index);
      setActive(index);
    },
    [items, anchor],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).closest(".history-toolbar")) return;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 600) / ROW_HEIGHT) - 1);
    const last = Math.max(0, items.length - 1);
    const moves: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, PageDown: active + page, PageUp: active - page, Home: 0, End: last };
    if (e.key in moves) {
      e.preventDefault();
      keyboardMove.current = true;
      setActive(Math.max(0, Math.min(last, moves[e.key])));
      if (e.key === "End") loadMore();
    } else if (e.key === " ") {
      e.preventDefault();
      toggle(active, e);
    } else if (e.key === "a" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      setSelected(new Set(items.map((g) => g.id)));
    } else if (e.key === "Escape" && selected.size > 0) {
      setSelected(new Set());
    } else if (e.key === "Enter" && items[active] && (e.target as HTMLElement).tagName === "INPUT") {
      navigate(`/result/${items[active].id}`);
    }
  };

  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      setNote(await what());
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setBusy(false);
      setConfirm(null);
      // The choice of everyone's holds for one action only.
      setEveryone(false);
    }
  };

  const bulk = (action: BulkAction) =>
    run(async () => {
      const ids = [...selected];
      const result = await backend.bulkGenerations(ids, action, scope);
      const failed = new Set(result.failed.map((f) => f.id));
      setSelected(new Set(ids.filter((id) => failed.has(id))));
      const parts = [t("history.done", { count: result.done })];
      if (result.failed.length) parts.push(t("history.someFailed", { count: result.failed.length, message: result.failed[0].message }));
      return parts.join(" ");
    });

  const clearFinished = () =>
    run(async () => {
      const n = await backend.clearFinished(scope);
      setSelected(new Set());
      reload();
      return t("history.cleared", { count: n });
    });

  const selectedItems = useMemo(() => items.filter((g) => selected.has(g.id)), [items, selected]);
  const canRetry = selectedItems.some((g) => !isActive(g.status));
  const canCancel = selectedItems.some((g) => isActive(g.status));
  const canView = selectedItems.some((g) => !g.viewed);
  const othersSelected = me && !everyone ? selectedItems.filter((g) => g.creator.member !== me).length : 0;
  const filtered = isFiltered(filters);
  // On a team's database the counters are the member's own, not the history's.
  const total = counters && !me ? counters.pending + counters.processing + counters.completed + counters.failed + counters.cancelled : null;
  const allShownSelected = items.length > 0 && selected.size === items.length;

  const setStatus = (s: GenerationStatus) =>
    setFilters((f) => ({ ...f, statuses: f.statuses.includes(s) ? f.statuses.filter((x) => x !== s) : [...f.statuses, s] }));

  return (
    <div className="page page-history">
      <div className="page-head history-head">
        <div>
          <h1>{t("history.title")}</h1>
          <p className="lede" data-testid="history-count">
            {!filtered && total !== null ? t("history.total", { count: total }) : t("history.lede")}
            {filtered && ` · ${t("history.shown", { count: items.length })}${done ? "" : "+"}`}
          </p>
          <p className="history-spend small" data-testid="history-total" aria-live="polite">
            {spendTotal &&
              spendTotal.generations > 0 &&
              // Unfiltered, the line above already counts them (not on a team's database).
              (filtered || me ? t("spend.historyTotal", { count: spendTotal.generations, amount: totalText(spendTotal) }) : t("spend.historyCost", { amount: totalText(spendTotal) }))}
          </p>
        </div>
        <div className="history-head-actions">
          {confirm === "clear" ? (
            <div className="confirm" role="group" aria-label={t("history.clearFinished")}>
              <span className="small">{me ? t(everyone ? "team.clearAskEveryone" : "team.clearAskMine") : t("history.clearAsk")}</span>
              {me && <OthersToo checked={everyone} onChange={setEveryone} />}
              <button type="button" className="btn btn-danger btn-sm" disabled={busy} onClick={() => void clearFinished()}>
                {t("history.clearYes")}
              </button>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirm(null)}>
                {t("common.keep")}
              </button>
            </div>
          ) : (
            <button type="button" className="btn btn-sm" onClick={() => setConfirm("clear")}>
              {t("history.clearFinished")}
            </button>
          )}
        </div>
      </div>

      <div className="history-toolbar card" role="search">
        <div className="search-box">
          <SearchIcon />
          <input
            type="search"
            className="input"
            aria-label={t("history.search")}
            placeholder={t("history.searchPlaceholder")}
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="history-search"
          />
        </div>
        <div className="chips" role="group" aria-label={t("history.statusFilter")}>
          {STATUSES.map((s) => (
            <button key={s} type="button" className="chip" aria-pressed={filters.statuses.includes(s)} onClick={() => setStatus(s)} data-status={s}>
              {t(`status.${s}`)}
            </button>
          ))}
        </div>
        <div className="history-filters">
          {filters.run && (
            <button type="button" className="chip" aria-pressed="true" data-testid="history-run" title={t("history.allRuns")} onClick={() => setParams({})}>
              {t("history.thisRun", { from: formatWhen(filters.run.from) })} ×
            </button>
          )}
          {me && <CreatorFilter me={me} value={filters.createdBy} onChange={(createdBy) => setFilters((f) => ({ ...f, createdBy }))} />}
          <select className="input" aria-label={t("history.modelFilter")} value={filters.model ?? ""} onChange={(e) => setFilters((f) => ({ ...f, model: e.target.value || null }))}>
            <option value="">{t("history.allModels")}</option>
            {models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <label className="date-field">
            <span>{t("history.from")}</span>
            <input type="date" className="input" value={filters.from ?? ""} max={filters.to ?? undefined} onChange={(e) => setFilters((f) => ({ ...f, from: e.target.value || null }))} />
          </label>
          <label className="date-field">
            <span>{t("history.to")}</span>
            <input type="date" className="input" value={filters.to ?? ""} min={filters.from ?? undefined} onChange={(e) => setFilters((f) => ({ ...f, to: e.target.value || null }))} />
          </label>
          {(filtered || text !== "") && (
            <button
              type="button"
              className="btn btn-link btn-sm"
              onClick={() => {
                setText("");
                setFilters(NO_FILTERS);
                if (filters.run) setParams({});
              }}
            >
              {t("history.clearFilters")}
            </button>
          )}
        </div>
      </div>

      <div className={`selection-bar${selected.size > 0 ? "" : " selection-bar-idle"}`} role="toolbar" aria-label={t("history.selected", { count: selected.size })}>
        <label className="select-all">
          <input
            type="checkbox"
            checked={allShownSelected}
            ref={(el) => {
              if (el) el.indeterminate = selected.size > 0 && !allShownSelected;
            }}
            onChange={() => setSelected(allShownSelected ? new Set() : new Set(items.map((g) => g.id)))}
          />
          <span>{selected.size > 0 ? t("history.selected", { count: selected.size }) : t("history.selectAll")}</span>
        </label>
        {selected.size > 0 &&
          (confirm === "delete" ? (
            <div className="confirm">
              <span className="small">{t("history.deleteAsk", { count: selected.size })}</span>
              <button type="button" className="btn btn-danger btn-sm" disabled={busy} onClick={() => void bulk("delete")}>
                {t("common.delete")}
              </button>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirm(null)}>
                {t("common.keep")}
              </button>
            </div>
          ) : (
            <div className="selection-actions">
              {canRetry && (
                <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void bulk("retry")}>
                  {t("history.retry")}
                </button>
              )}
              {canView && (
                <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void bulk("mark_viewed")}>
                  {t("history.markViewed")}
                </button>
              )}
              {canCancel && (
                <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void bulk("cancel")}>
                  {t("history.cancel")}
                </button>
              )}
              <button type="button" className="btn btn-sm" disabled={busy} onClick={() => setConfirm("delete")}>
                {t("history.delete")}
              </button>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setSelected(new Set())}>
                {t("history.clearSelection")}
              </button>
              {me && <OthersToo checked={everyone} onChange={setEveryone} />}
            </div>
          ))}
        {othersSelected > 0 && (
          <span className="small muted" data-testid="others-selected">
            {t("team.othersSelected", { n: othersSelected })}
          </span>
        )}
        <span className="small muted keys-hint">{t("history.keys")}</span>
      </div>

      <ErrorNotice error={error ?? loadError} onDismiss={error ? () => setError(null) : undefined} />
      {note && (
        <div className="notice notice-ok" role="status">
          {note}
        </div>
      )}

      {items.length === 0 && done && !loadError ? (
        <div className="empty card">
          <p>{filtered ? t("history.emptyFiltered") : t("history.empty")}</p>
          {!filtered && (
            <Link className="btn btn-primary" to="/">
              {t("history.createOne")}
            </Link>
          )}
        </div>
      ) : (
        <div
          ref={scroller}
          className="history card"
          role="list"
          aria-label={t("history.list")}
          aria-busy={loading}
          onKeyDown={onKeyDown}
          onFocus={(e) => {
            const row = (e.target as HTMLElement).closest<HTMLElement>("[data-index]");
            if (row) setActive(Number(row.dataset.index));
          }}
          data-testid="history-list"
        >
          <div className="history-sizer" style={{ height: virtualizer.getTotalSize() }}>
            {virtualRows.map((row) => {
              const g = items[row.index];
              return (
                <div
                  key={row.key}
                  role="listitem"
                  className={`history-item${g && selected.has(g.id) ? " history-item-selected" : ""}`}
                  data-index={row.index}
                  style={{ transform: `translateY(${row.start}px)`, height: ROW_HEIGHT }}
                >
                  {g ? (
                    <HistoryRow g={g} index={row.index} selected={selected.has(g.id)} active={row.index === active} cost={costs.get(g.id)} onSelect={toggle} team={!!team?.active} />
                  ) : (
                    <div className="history-loader muted small">
                      <span className="spinner" aria-hidden="true" /> {t("history.loadingMore")}
                    </div>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}
