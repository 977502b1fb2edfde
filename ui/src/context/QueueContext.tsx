// The live queue: running generations, queued ones in dispatch order, and the
// models' recent running times, for the Queue page, the ETAs and the header.
// One load, then events; the dispatch order is re-read when an event says a
// queued generation appeared or changed priority (the Rust side owns the order).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { GenerationSummary } from "../bindings";
import type { ModelRunTime, MoveTo } from "../bindings";
import { computeEta, type QueueEta } from "../lib/eta";
import { useNow } from "../lib/time";
import { useApp } from "./AppContext";

/** The most list_generations answers at once (the Rust side clamps to 500). */
export const QUEUE_LIMIT = 500;

export type QueueContextValue = {
  processing: GenerationSummary[];
  /** In dispatch order. */
  pending: GenerationSummary[];
  stats: ModelRunTime[];
  loaded: boolean;
  error: BackendError | null;
  /** Moves a queued generation (shown at once, then confirmed by the Rust side). */
  move: (id: string, to: MoveTo) => Promise<void>;
  /** Puts the queued generations in exactly this order (drag and drop). */
  reorder: (ids: string[]) => Promise<void>;
};

const QueueContext = createContext<QueueContextValue | null>(null);

function moved(list: GenerationSummary[], id: string, to: MoveTo): GenerationSummary[] {
  const at = list.findIndex((g) => g.id === id);
  if (at === -1) return list;
  const next = list.slice();
  const [g] = next.splice(at, 1);
  const dest = to === "top" || to === "next" ? 0 : to === "up" ? Math.max(0, at - 1) : Math.min(list.length - 1, at + 1);
  next.splice(dest, 0, g);
  return next;
}

export function QueueProvider({ children }: { children: ReactNode }) {
  const [processing, setProcessing] = useState<GenerationSummary[]>([]);
  const [pending, setPending] = useState<GenerationSummary[]>([]);
  const [stats, setStats] = useState<ModelRunTime[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const pendingRef = useRef<GenerationSummary[]>([]);
  pendingRef.current = pending;
  const timers = useRef<{ order?: ReturnType<typeof setTimeout>; stats?: ReturnType<typeof setTimeout> }>({});
  const seq = useRef(0);

  const readOrder = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const list = await backend.listGenerations({ order: "dispatch", statuses: ["pending"], limit: QUEUE_LIMIT });
      if (mine === seq.current) setPending(list);
    } catch (e) {
      setError(toBackendError(e));
    }
  }, []);
  const readStats = useCallback(async () => {
    try {
      setStats(await backend.runTimeStats());
    } catch (e) {
      console.error("run_time_stats failed", e);
    }
  }, []);
  const later = useCallback(
    (what: "order" | "stats", ms: number) => {
      clearTimeout(timers.current[what]);
      timers.current[what] = setTimeout(() => void (what === "order" ? readOrder() : readStats()), ms);
    },
    [readOrder, readStats],
  );

  useEffect(() => {
    let live = true;
    let loading = true;
    let missed = false;
    const stop = onQueueEvent((event) => {
      if (event.type === "generation_removed") {
        const { id } = event.data;
        setProcessing((l) => l.filter((g) => g.id !== id));
        setPending((l) => l.filter((g) => g.id !== id));
        return;
      }
      if (event.type !== "generation_changed") return;
      if (loading) missed = true;
      const s = event.data;
      if (s.status === "processing") {
        setProcessing((l) => (l.some((g) => g.id === s.id) ? l.map((g) => (g.id === s.id ? s : g)) : [...l, s]));
        setPending((l) => l.filter((g) => g.id !== s.id));
      } else if (s.status === "pending") {
        const known = pendingRef.current.find((g) => g.id === s.id);
        setProcessing((l) => l.filter((g) => g.id !== s.id));
        if (known && known.priority === s.priority) setPending((l) => l.map((g) => (g.id === s.id ? s : g)));
        else later("order", 120);
      } else {
        setProcessing((l) => l.filter((g) => g.id !== s.id));
        setPending((l) => l.filter((g) => g.id !== s.id));
        if (s.status === "completed") later("stats", 1000);
      }
    });
    Promise.all([
      backend.listGenerations({ order: "dispatch", statuses: ["pending"], limit: QUEUE_LIMIT }),
      backend.listGenerations({ statuses: ["processing"], limit: QUEUE_LIMIT }),
      backend.runTimeStats().catch((e: unknown) => {
        console.error("run_time_stats failed", e);
        return [] as ModelRunTime[];
      }),
    ]).then(
      ([queued, running, runTimes]) => {
        if (!live) return;
        loading = false;
        setPending(queued);
        setProcessing(running);
        setStats(runTimes);
        setLoaded(true);
        if (missed) void readOrder();
      },
      (e: unknown) => {
        if (live) setError(toBackendError(e));
      },
    );
    const t = timers.current;
    return () => {
      live = false;
      stop();
      clearTimeout(t.order);
      clearTimeout(t.stats);
    };
  }, [later, readOrder]);

  const move = useCallback(
    async (id: string, to: MoveTo) => {
      setPending((l) => moved(l, id, to));
      try {
        await backend.moveGeneration(id, to);
      } catch (e) {
        void readOrder();
        throw toBackendError(e);
      }
    },
    [readOrder],
  );

  const reorder = useCallback(
    async (ids: string[]) => {
      setPending((l) => {
        const byId = new Map(l.map((g) => [g.id, g]));
        const head = ids.map((id) => byId.get(id)).filter((g): g is GenerationSummary => g !== undefined);
        return [...head, ...l.filter((g) => !ids.includes(g.id))];
      });
      try {
        await backend.reorderPending(ids);
      } catch (e) {
        void readOrder();
        throw toBackendError(e);
      }
    },
    [readOrder],
  );

  const value = useMemo(() => ({ processing, pending, stats, loaded, error, move, reorder }), [processing, pending, stats, loaded, error, move, reorder]);
  return <QueueContext.Provider value={value}>{children}</QueueContext.Provider>;
}

export function useQueue(): QueueContextValue {
  const value = useContext(QueueContext);
  if (!value) throw new Error("useQueue() outside <QueueProvider>");
  return value;
}

/** ETAs of every active generation and of the whole queue, recomputed on events and once a second. */
export function useQueueEta(): QueueEta {
  const { processing, pending, stats } = useQueue();
  const { tokens, info } = useApp();
  const active = processing.length + pending.length > 0;
  const now = useNow(1000, active);
  const slots = tokens.filter((t) => t.active).reduce((n, t) => n + t.max_concurrency, 0);
  const paused = info?.paused ?? false;
  return useMemo(() => computeEta({ processing, pending, stats, slots, paused, now }), [processing, pending, stats, slots, paused, now]);
}
