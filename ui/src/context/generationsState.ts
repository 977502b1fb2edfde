// The state behind GenerationsContext, as a pure reducer.
//
// The counters come from the Rust side (`Counters`, one initial load then
// `counters_changed` events). Rows, new ones included, come from the load and
// from `generation_changed` events only. What the user just did (create, mark
// viewed) shows in the counters at once through an overlay of per-generation
// adjustments. An
// adjustment is dropped by the first `counters_changed` that follows the
// `generation_changed` event showing the same change (the Rust side emits
// the row event before the counters event of one store change), so neither
// the event order nor the command answer's order can count a change twice.
//
// Rows are kept only as far as something shows them: the unviewed ones (the
// dropdown shows the newest few, the counters the rest), at most KEPT_ROWS,
// newest first. A viewed row is dropped, so a session that runs thousands of
// generations holds a few dozen summaries, not every one it has seen (issue
// #12, "The window": no per-session high-water mark). Pages that list more
// (Queue, History) load their own pages.
//
// On a team's database (`own` set: AppInfo.own_member) the counters are the
// member's own (the Rust side counts them so) and only the member's own rows
// are kept: another member's generation never enters the dropdown.
import type { Counters, GenerationSummary, QueueEvent } from "../bindings";
import { isActive, newestFirst } from "../lib/generation";

/** How long an unconfirmed adjustment may wait before a counters event drops it anyway. */
export const OVERLAY_TTL_MS = 5000;
/** Most unviewed rows kept (the newest); the initial load reads as many. */
export const KEPT_ROWS = 50;

type Adjustment = {
  kind: "created" | "viewed" | "all_viewed";
  unviewed: number;
  active: number;
  confirmed: boolean;
  at: number;
};

export type GenerationsState = {
  loaded: boolean;
  byId: Record<string, GenerationSummary>;
  counters: Counters | null;
  overlay: Record<string, Adjustment>;
  /** The member whose rows are kept (a team's database); null: every row is one's own. */
  own: string | null;
};

export type GenerationsAction =
  | { type: "loaded"; summaries: GenerationSummary[]; counters: Counters; now: number }
  /** Who "I" am on a team's database (AppInfo.own_member): other members' rows leave. */
  | { type: "own"; own: string | null }
  | { type: "event"; event: QueueEvent; now: number }
  /** A create or retry answered: count its generations now; their rows come with their events. */
  | { type: "created"; summaries: GenerationSummary[]; now: number }
  | { type: "viewed_locally"; id: string; now: number }
  | { type: "view_failed"; id: string }
  | { type: "all_viewed_locally"; now: number }
  | { type: "summary_received"; summary: GenerationSummary };

export const initialGenerationsState: GenerationsState = { loaded: false, byId: {}, counters: null, overlay: {}, own: null };

/** Whether `summary` is the user's own: always, unless `own` names a team member. */
export function isOwn(summary: GenerationSummary, own: string | null): boolean {
  return own === null || summary.creator.member === own;
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

/** `byId` with `summary` in it if it is unviewed (else without it), trimmed to the newest KEPT_ROWS. */
function kept(byId: Record<string, GenerationSummary>, summary: GenerationSummary): Record<string, GenerationSummary> {
  if (summary.viewed) return without(byId, summary.id);
  return trimmed({ ...byId, [summary.id]: summary });
}

function trimmed(byId: Record<string, GenerationSummary>): Record<string, GenerationSummary> {
  const rows = Object.values(byId);
  if (rows.length <= KEPT_ROWS) return byId;
  const next: Record<string, GenerationSummary> = {};
  for (const s of rows.sort(newestFirst).slice(0, KEPT_ROWS)) next[s.id] = s;
  return next;
}

function onRowChanged(state: GenerationsState, summary: GenerationSummary): GenerationsState {
  if (!isOwn(summary, state.own)) return state;
  const byId = kept(state.byId, summary);
  const adj = state.overlay[summary.id];
  if (!adj || adj.confirmed) return { ...state, byId };
  const shows = adj.kind === "created" || (adj.kind === "viewed" && summary.viewed);
  const overlay = shows ? { ...state.overlay, [summary.id]: { ...adj, confirmed: true } } : state.overlay;
  return { ...state, byId, overlay };
}

function onCounters(state: GenerationsState, counters: Counters, now: number): GenerationsState {
  if (state.counters && counters.seq < state.counters.seq) return state;
  const overlay: Record<string, Adjustment> = {};
  for (const [id, adj] of Object.entries(state.overlay)) {
    if (!adj.confirmed && now - adj.at < OVERLAY_TTL_MS) overlay[id] = adj;
  }
  return { ...state, counters, overlay };
}

function onEvent(state: GenerationsState, event: QueueEvent, now: number): GenerationsState {
  switch (event.type) {
    case "generation_changed":
      return onRowChanged(state, event.data);
    case "generation_removed":
      return { ...state, byId: without(state.byId, event.data.id), overlay: without(state.overlay, event.data.id) };
    case "counters_changed":
      return onCounters(state, event.data, now);
    default:
      return state;
  }
}

export function generationsReducer(state: GenerationsState, action: GenerationsAction): GenerationsState {
  switch (action.type) {
    case "loaded": {
      // Events that arrived during the load are replayed after this action.
      const byId: Record<string, GenerationSummary> = {};
      for (const s of action.summaries) if (!s.viewed && isOwn(s, state.own)) byId[s.id] = s;
      return { ...state, loaded: true, byId: trimmed({ ...byId, ...state.byId }), counters: action.counters };
    }
    case "own": {
      if (action.own === state.own) return state;
      const byId = Object.fromEntries(Object.entries(state.byId).filter(([, s]) => isOwn(s, action.own)));
      return { ...state, own: action.own, byId };
    }
    case "event":
      return onEvent(state, action.event, action.now);
    case "created": {
      let { overlay } = state;
      for (const s of action.summaries) {
        if (state.byId[s.id]) continue; // its event came first: the counters follow on their own
        overlay = {
          ...overlay,
          [s.id]: { kind: "created", unviewed: s.viewed ? 0 : 1, active: isActive(s.status) ? 1 : 0, confirmed: false, at: action.now },
        };
      }
      return { ...state, overlay };
    }
    case "viewed_locally": {
      const current = state.byId[action.id];
      if (!current || current.viewed) return state;
      const created = state.overlay[action.id];
      // Viewing a generation whose creation is not yet counted cancels its +1.
      const overlay =
        created && created.kind === "created" && !created.confirmed
          ? { ...state.overlay, [action.id]: { ...created, unviewed: 0 } }
          : { ...state.overlay, [action.id]: { kind: "viewed" as const, unviewed: -1, active: 0, confirmed: false, at: action.now } };
      return { ...state, byId: { ...state.byId, [action.id]: { ...current, viewed: true } }, overlay };
    }
    case "view_failed": {
      const current = state.byId[action.id];
      const adj = state.overlay[action.id];
      const byId = current ? { ...state.byId, [action.id]: { ...current, viewed: false } } : state.byId;
      const overlay = adj?.kind === "viewed" ? without(state.overlay, action.id) : adj ? { ...state.overlay, [action.id]: { ...adj, unviewed: 1 } } : state.overlay;
      return { ...state, byId, overlay };
    }
    case "all_viewed_locally": {
      // Every row is viewed now: none is kept.
      const byId: Record<string, GenerationSummary> = {};
      const overlay: Record<string, Adjustment> = {};
      for (const [id, adj] of Object.entries(state.overlay)) overlay[id] = { ...adj, unviewed: 0 };
      // The call has returned: the next counters event already counts it.
      overlay["*all"] = { kind: "all_viewed", unviewed: -(state.counters?.unviewed ?? 0), active: 0, confirmed: true, at: action.now };
      return { ...state, byId, overlay };
    }
    case "summary_received":
      return { ...state, byId: kept(state.byId, action.summary) };
  }
}

export type GenerationsView = {
  generations: GenerationSummary[];
  activeCount: number;
  unviewedCount: number;
  unviewedGenerations: GenerationSummary[];
};

export function viewOf(state: GenerationsState, order: (a: GenerationSummary, b: GenerationSummary) => number): GenerationsView {
  const generations = Object.values(state.byId).sort(order);
  const unviewedGenerations = generations.filter((g) => !g.viewed);
  let unviewed: number;
  let active: number;
  if (state.counters) {
    unviewed = state.counters.unviewed;
    active = state.counters.active;
    for (const adj of Object.values(state.overlay)) {
      unviewed += adj.unviewed;
      active += adj.active;
    }
  } else {
    unviewed = unviewedGenerations.length;
    active = generations.filter((g) => isActive(g.status)).length;
  }
  return {
    generations,
    activeCount: Math.max(0, active),
    unviewedCount: Math.max(0, unviewed),
    unviewedGenerations,
  };
}
