// The live queue: running generations, queued ones, and the models' recent
// running times, for the Queue page, the ETAs and the header.
// One load, then events. Every page keeps only each queued generation's id
// and model (enough for the header's whole-queue ETA). The queued generations
// themselves, in dispatch order (the Rust side owns the order), are read only
// while a page that shows them or their own ETAs is open (`useQueueOrder`,
// `useQueueEta({ each: true })`), and re-read then when an event says one
// appeared or changed priority. Issue #12: reading up to 500 of them at each
// new queued one, on every page, grew the window's memory over a long run.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { GenerationSummary } from "../bindings";
import type { ModelRunTime, MoveTo } from "../bindings";
import { computeEta, type ModelRun, type QueueEta } from "../lib/eta";
import { useNow } from "../lib/time";
import { useApp } from "./AppContext";

/** The most list_generations answers at once (the Rust side clamps to 500). */
export const QUEUE_LIMIT = 500;

export type QueueContextValue = {
  processing: GenerationSummary[];
  /** In dispatch order (at most QUEUE_LIMIT), while a page asks for it (`wantOrder`); empty otherwise. */
  pending: GenerationSummary[];
  /** Whether `pending` holds the order (a page asked for it and it was read). */
  ordered: boolean;
  /** Every queued generation known, as runs of one model, in the order they became known. */
  queued: ModelRun[];
  /** How many generations are queued (known). */
  queuedCount: number;
  /** A page shows the queued generations or their ETAs: keep them in order until the returned release is called. */
  wantOrder: () => () => void;
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
  const [ordered, setOrdered] = useState(false);
  // id → model of every queued generation known; changed in place, `known` counts the changes.
  const queuedRef = useRef(new Map<string, string>());
  const [known, setKnown] = useState(0);
  const [wanted, setWanted] = useState(0);
  const wantedRef = useRef(0);
  wantedRef.current = wanted;
  const pendingRef = useRef<GenerationSummary[]>([]);
  pendingRef.current = pending;
  const timers = useRef<{ order?: ReturnType<typeof setTimeout>; stats?: ReturnType<typeof setTimeout> }>({});
  const seq = useRef(0);

  const readOrder = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const list = await backend.listGenerations({ order: "dispatch", statuses: ["pending"], limit: QUEUE_LIMIT });
      if (mine !== seq.current) return;
      // The Rust side's answer mends what events may have missed; a full page
      // may leave out queued ones the events told of, so then it only adds.
      if (list.length < QUEUE_LIMIT) queuedRef.current.clear();
      for (const g of list) queuedRef.current.set(g.id, g.model_name);
      setKnown((n) => n + 1);
      // Kept only while a page shows it.
      const keep = wantedRef.current > 0;
      setPending(keep ? list : []);
      setOrdered(keep);
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
    const queued = queuedRef.current;
    const unqueue = (id: string) => {
      if (queued.delete(id)) setKnown((n) => n + 1);
      if (pendingRef.current.some((g) => g.id === id)) setPending((l) => l.filter((g) => g.id !== id));
    };
    const stop = onQueueEvent((event) => {
      if (event.type === "generation_removed") {
        const { id } = event.data;
        setProcessing((l) => (l.some((g) => g.id === id) ? l.filter((g) => g.id !== id) : l));
        unqueue(id);
        return;
      }
      if (event.type !== "generation_changed") return;
      if (loading) missed = true;
      const s = event.data;
      if (s.status === "processing") {
        setProcessing((l) => (l.some((g) => g.id === s.id) ? l.map((g) => (g.id === s.id ? s : g)) : [...l, s]));
        unqueue(s.id);
      } else if (s.status === "pending") {
        setProcessing((l) => (l.some((g) => g.id === s.id) ? l.filter((g) => g.id !== s.id) : l));
        if (queued.get(s.id) !== s.model_name) {
          queued.set(s.id, s.model_name);
          setKnown((n) => n + 1);
        }
        if (wantedRef.current === 0) return;
        const known = pendingRef.current.find((g) => g.id === s.id);
        if (known && known.priority === s.priority) setPending((l) => l.map((g) => (g.id === s.id ? s : g)));
        else later("order", 120);
      } else {
        setProcessing((l) => (l.some((g) => g.id === s.id) ? l.filter((g) => g.id !== s.id) : l));
        unqueue(s.id);
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
      ([waiting, running, runTimes]) => {
        if (!live) return;
        loading = false;
        for (const g of waiting) queued.set(g.id, g.model_name);
        setKnown((n) => n + 1);
        const keep = wantedRef.current > 0;
        setPending(keep ? waiting : []);
        setOrdered(keep);
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

  // The first page that asks reads the order; when the last one leaves, it is dropped.
  const wantOrder = useCallback(() => {
    setWanted((n) => n + 1);
    return () => setWanted((n) => n - 1);
  }, []);
  const wants = wanted > 0;
  useEffect(() => {
    if (!loaded) return;
    if (wants) {
      if (!ordered) void readOrder();
    } else {
      seq.current++;
      clearTimeout(timers.current.order);
      setPending([]);
      setOrdered(false);
    }
  }, [wants, loaded, ordered, readOrder]);

  // Runs of one model in the order the queued generations became known: a few entries, whatever the queue's length
  // (`known` counts the in-place changes of queuedRef).
  const queued = useMemo(() => modelRuns(queuedRef.current.values()), [known]);
  const queuedCount = queuedRef.current.size;
  const value = useMemo(
    () => ({ processing, pending, ordered, queued, queuedCount, wantOrder, stats, loaded, error, move, reorder }),
    [processing, pending, ordered, queued, queuedCount, wantOrder, stats, loaded, error, move, reorder],
  );
  return <QueueContext.Provider value={value}>{children}</QueueContext.Provider>;
}

export function useQueue(): QueueContextValue {
  const value = useContext(QueueContext);
  if (!value) throw new Error("useQueue() outside <QueueProvider>");
  return value;
}

/** Consecutive equal models, counted: `a a b a` → `a×2, b×1, a×1`. */
export function modelRuns(models: Iterable<string>): ModelRun[] {
  const runs: ModelRun[] = [];
  for (const model_name of models) {
    const last = runs[runs.length - 1];
    if (last && last.model_name === model_name) last.count++;
    else runs.push({ model_name, count: 1 });
  }
  return runs;
}

/**
 * The queue with its queued generations in dispatch order, kept while the
 * calling component is mounted (the Queue page); `loaded` once that order is read.
 */
export function useQueueOrder(): QueueContextValue {
  const value = useQueue();
  const { wantOrder } = value;
  useEffect(() => wantOrder(), [wantOrder]);
  return { ...value, loaded: value.loaded && value.ordered };
}

/**
 * ETAs of the running generations and of the whole queue, recomputed on
 * events and once a second; with `each`, of every queued generation too
 * (the order is then kept while the caller is mounted). Without the order,
 * the whole-queue figure takes the queued generations in the order they
 * became known, which differs from dispatch order only after a move and
 * then by at most one generation's running time (when models of different
 * running times are queued mixed).
 */
export function useQueueEta({ each = false }: { each?: boolean } = {}): QueueEta {
  const { processing, pending, ordered, queued, queuedCount, wantOrder, stats } = useQueue();
  useEffect(() => (each ? wantOrder() : undefined), [each, wantOrder]);
  const { tokens, info } = useApp();
  const active = processing.length + queuedCount > 0;
  const now = useNow(1000, active);
  const slots = tokens.filter((t) => t.active).reduce((n, t) => n + t.max_concurrency, 0);
  const paused = info?.paused ?? false;
  return useMemo(
    () => computeEta({ processing, pending: ordered ? pending : [], queued: ordered ? undefined : queued, stats, slots, paused, now }),
    [processing, pending, ordered, queued, stats, slots, paused, now],
  );
}
