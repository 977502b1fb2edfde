// The History page's rows: list_history pages read on demand with the cursor
// (newest first), then kept live by queue events. A new query starts over.
import { useCallback, useEffect, useRef, useState } from "react";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { GenerationStatus, GenerationSummary } from "../bindings";
import type { HistoryQuery } from "../bindings";

export const HISTORY_PAGE = 200;

/**
 * The history's filters. `from`/`to`: days of the date inputs; `run`: one
 * run of the queue (a "Queue finished" notification's click), created at
 * or after `from` and strictly before `to` (RFC 3339 instants), in place
 * of the days.
 */
export type HistoryFilters = {
  text: string;
  statuses: GenerationStatus[];
  model: string | null;
  from: string | null;
  to: string | null;
  run: { from: string; to: string } | null;
  /** Only this member's generations (`creator.member`); null: everyone's. */
  createdBy: string | null;
};

export const NO_FILTERS: HistoryFilters = { text: "", statuses: [], model: null, from: null, to: null, run: null, createdBy: null };

export function isFiltered(f: HistoryFilters): boolean {
  return f.text.trim() !== "" || f.statuses.length > 0 || f.model !== null || f.from !== null || f.to !== null || f.run !== null || f.createdBy !== null;
}

/** A date input's day ("2025-03-01") as the RFC 3339 start or end of that local day. */
export function dayBound(day: string | null, end: boolean): string | null {
  if (!day) return null;
  const d = new Date(`${day}T${end ? "23:59:59.999" : "00:00:00"}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function toQuery(f: HistoryFilters, before: string | null, limit = HISTORY_PAGE): HistoryQuery {
  const text = f.text.trim();
  const from = f.run ? f.run.from : dayBound(f.from, false);
  const to = f.run ? f.run.to : dayBound(f.to, true);
  return { text: text === "" ? null : text, statuses: f.statuses, model: f.model, from, to, created_by: f.createdBy, before, limit };
}

/** Could a generation the events bring belong to this filtered list? (A search can't be judged here: only the store's FTS can.) */
function fits(g: GenerationSummary, f: HistoryFilters): boolean {
  if (f.text.trim() !== "") return false;
  if (f.statuses.length > 0 && !f.statuses.includes(g.status)) return false;
  if (f.model !== null && g.model_name !== f.model) return false;
  if (f.createdBy !== null && g.creator.member !== f.createdBy) return false;
  const created = Date.parse(g.created_at);
  if (f.run) return created >= Date.parse(f.run.from) && created < Date.parse(f.run.to);
  const from = dayBound(f.from, false);
  const to = dayBound(f.to, true);
  return (from === null || created >= Date.parse(from)) && (to === null || created <= Date.parse(to));
}

export function useHistory(filters: HistoryFilters) {
  const [items, setItems] = useState<GenerationSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const generation = useRef(0);
  const busy = useRef(false);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  const load = useCallback(async (before: string | null, fresh: boolean) => {
    const mine = fresh ? ++generation.current : generation.current;
    busy.current = true;
    setLoading(true);
    setError(null);
    try {
      const page = await backend.listHistory(toQuery(filtersRef.current, before));
      if (mine !== generation.current) return;
      setItems((old) => {
        if (fresh) return page.items;
        const seen = new Set(old.map((g) => g.id));
        return old.concat(page.items.filter((g) => !seen.has(g.id)));
      });
      setNext(page.next_before);
      setDone(page.next_before === null);
    } catch (e) {
      if (mine === generation.current) setError(toBackendError(e));
    } finally {
      if (mine === generation.current) {
        busy.current = false;
        setLoading(false);
      }
    }
  }, []);

  const key = JSON.stringify(filters);
  useEffect(() => {
    setItems([]);
    setNext(null);
    setDone(false);
    void load(null, true);
  }, [key, load]);

  const loadMore = useCallback(() => {
    if (busy.current || done || next === null) return;
    void load(next, false);
  }, [done, next, load]);

  const reload = useCallback(() => void load(null, true), [load]);

  useEffect(
    () =>
      onQueueEvent((event) => {
        if (event.type === "generation_removed") setItems((l) => l.filter((g) => g.id !== event.data.id));
        else if (event.type === "generation_changed") {
          const g = event.data;
          setItems((l) => {
            const at = l.findIndex((x) => x.id === g.id);
            if (at !== -1) {
              const copy = l.slice();
              copy[at] = g;
              return copy;
            }
            // New since the first page: on top, if it fits the filters.
            if (!fits(g, filtersRef.current)) return l;
            if (l.length > 0 && Date.parse(g.created_at) < Date.parse(l[0].created_at)) return l;
            return [g, ...l];
          });
        }
      }),
    [],
  );

  return { items, loading, done, error, loadMore, reload, setItems };
}
