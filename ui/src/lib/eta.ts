// ETA of the running and queued generations, as a small simulation: each
// token slot (the sum of the active tokens' concurrency) takes the next
// queued generation when it frees up; a generation takes the median running
// time of its model (run_time_stats), a running one what is left of it.
import type { GenerationSummary } from "../bindings";
import type { ModelRunTime } from "../bindings";

/** `count` queued generations of one model in a row. */
export type ModelRun = { model_name: string; count: number };

export type EtaInput = {
  /** Running generations (any order). */
  processing: GenerationSummary[];
  /** Queued generations in dispatch order (each gets its ETA in `byId`). */
  pending: Pick<GenerationSummary, "id" | "model_name">[];
  /** Or, without their ids, the queued generations as runs of one model (only the whole-queue figure then). */
  queued?: ModelRun[];
  stats: ModelRunTime[];
  /** Sum of `max_concurrency` over active tokens. */
  slots: number;
  paused: boolean;
  now: number;
};

export type GenerationEta = {
  /** Milliseconds from now until it starts (0 when running). */
  startsIn: number;
  /** Milliseconds from now until it is done. */
  doneIn: number;
};

export type QueueEta = {
  byId: Map<string, GenerationEta>;
  /** Until the last one is done; null when nothing is active or nothing can be estimated (paused with queued ones). */
  totalMs: number | null;
  /** Slots not taken by a running generation. */
  freeSlots: number;
};

/** Model medians in ms; models never seen take the median of the others (or `fallbackMs`). */
export function medianMs(stats: ModelRunTime[], fallbackMs = 20_000): (model: string) => number {
  const byModel = new Map(stats.filter((s) => s.samples > 0).map((s) => [s.model_name, s.median_seconds * 1000]));
  const all = [...byModel.values()].sort((a, b) => a - b);
  const overall = all.length ? all[Math.floor(all.length / 2)] : fallbackMs;
  return (model) => byModel.get(model) ?? overall;
}

/** What is left of a running generation: from its progress once it says enough, else its model's median minus the time it has run. */
export function remainingMs(g: GenerationSummary, median: number, now: number): number {
  const ran = g.started_at ? Math.max(0, now - Date.parse(g.started_at)) : 0;
  if (g.progress !== null && g.progress >= 10 && g.progress < 100 && ran > 0) return (ran * (100 - g.progress)) / g.progress;
  return Math.max(0, median - ran);
}

export function computeEta({ processing, pending, queued, stats, slots, paused, now }: EtaInput): QueueEta {
  const median = medianMs(stats);
  const byId = new Map<string, GenerationEta>();
  // When each slot frees up (ms from now).
  const free: number[] = [];
  for (const g of processing) {
    const left = remainingMs(g, median(g.model_name), now);
    byId.set(g.id, { startsIn: 0, doneIn: left });
    free.push(left);
  }
  const total = Math.max(slots, processing.length, 1);
  const freeSlots = Math.max(0, slots - processing.length);
  while (free.length < total) free.push(0);
  const waiting = queued ? queued.reduce((n, r) => n + r.count, 0) : pending.length;
  if (paused) {
    const running = processing.length ? Math.max(...free) : null;
    return { byId, totalMs: waiting ? null : running, freeSlots };
  }
  let last = processing.length ? Math.max(...free) : 0;
  // The earliest free slot takes the next one in dispatch order.
  const take = (model: string): GenerationEta => {
    let at = 0;
    for (let i = 1; i < free.length; i++) if (free[i] < free[at]) at = i;
    const startsIn = free[at];
    const doneIn = startsIn + median(model);
    free[at] = doneIn;
    last = Math.max(last, doneIn);
    return { startsIn, doneIn };
  };
  if (queued) {
    for (const r of queued) for (let k = 0; k < r.count; k++) take(r.model_name);
  } else {
    for (const g of pending) byId.set(g.id, take(g.model_name));
  }
  const active = processing.length + waiting > 0;
  return { byId, totalMs: active ? last : null, freeSlots };
}
