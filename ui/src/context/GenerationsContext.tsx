// GenerationsContext (the seed's name): the generations list and the counters,
// fed by ONE initial load and then only by queue events — never by polling.
// A created or retried generation's row arrives like any change, by its
// event; the command's answer only counts it at once (`noteCreated`).
import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { GenerationSummary, QueueEvent } from "../bindings";
import { newestFirst } from "../lib/generation";
import { useOwnMember } from "./AppContext";
import { generationsReducer, initialGenerationsState, KEPT_ROWS, viewOf } from "./generationsState";

/** How many unviewed generations the initial load reads (the newest; all that the state keeps). */
export const INITIAL_LIMIT = KEPT_ROWS;

export type GenerationsContextValue = {
  generations: GenerationSummary[];
  activeCount: number;
  unviewedCount: number;
  unviewedGenerations: GenerationSummary[];
  /** Counts created (or retried) generations at once, from the command's answer; their rows come with their events. */
  noteCreated: (created: GenerationSummary | GenerationSummary[]) => void;
  /** Marks one generation viewed now and tells the Rust side. */
  markAsViewed: (id: string) => Promise<void>;
  markAllViewed: () => Promise<void>;
  loaded: boolean;
  loadError: BackendError | null;
};

/** What a page does to the generations, without their rows and counters. */
export type GenerationActions = Pick<GenerationsContextValue, "noteCreated" | "markAsViewed" | "markAllViewed">;

const GenerationsContext = createContext<GenerationsContextValue | null>(null);
// Apart, and never changing: a page that only creates or marks viewed (the
// Create form, a result) does not render again at each queue event
// (issue #12: 1,000 generations passing must not re-render the form
// thousands of times).
const GenerationActionsContext = createContext<GenerationActions | null>(null);

export function GenerationsProvider({ children }: { children: ReactNode }) {
  const [state, dispatch] = useReducer(generationsReducer, initialGenerationsState);
  const [loadError, setLoadError] = useState<BackendError | null>(null);
  const buffered = useRef<QueueEvent[] | null>([]);

  useEffect(() => {
    let live = true;
    buffered.current = [];
    // Listen first, load second: events that arrive during the load are kept
    // and replayed over it, so nothing falls between the two.
    const stop = onQueueEvent((event) => {
      if (buffered.current) buffered.current.push(event);
      else dispatch({ type: "event", event, now: Date.now() });
    });
    // On a team's database the counters and the unviewed list are the
    // user's own (the Rust side counts and lists them so; `own` below).
    Promise.all([
      backend.getCounters(),
      backend.listGenerations({ limit: INITIAL_LIMIT, unviewedOnly: true, mine: true }),
    ]).then(
      ([counters, unviewed]) => {
        if (!live) return;
        dispatch({ type: "loaded", summaries: unviewed, counters, now: Date.now() });
        const pending = buffered.current ?? [];
        buffered.current = null;
        for (const event of pending) dispatch({ type: "event", event, now: Date.now() });
      },
      (error: unknown) => {
        if (live) setLoadError(toBackendError(error));
      },
    );
    return () => {
      live = false;
      stop();
    };
  }, []);

  // Who "I" am on a team's database (from AppInfo): other members' rows are not kept.
  const own = useOwnMember();
  useEffect(() => dispatch({ type: "own", own }), [own]);

  const noteCreated = useCallback((created: GenerationSummary | GenerationSummary[]) => {
    dispatch({ type: "created", summaries: Array.isArray(created) ? created : [created], now: Date.now() });
  }, []);

  const markAsViewed = useCallback(async (id: string) => {
    dispatch({ type: "viewed_locally", id, now: Date.now() });
    try {
      const summary = await backend.markViewed(id);
      dispatch({ type: "summary_received", summary });
    } catch (error) {
      dispatch({ type: "view_failed", id });
      throw toBackendError(error);
    }
  }, []);

  const markAllViewed = useCallback(async () => {
    await backend.markAllViewed();
    dispatch({ type: "all_viewed_locally", now: Date.now() });
  }, []);

  const value = useMemo<GenerationsContextValue>(
    () => ({ ...viewOf(state, newestFirst), noteCreated, markAsViewed, markAllViewed, loaded: state.loaded, loadError }),
    [state, noteCreated, markAsViewed, markAllViewed, loadError],
  );
  const actions = useMemo<GenerationActions>(() => ({ noteCreated, markAsViewed, markAllViewed }), [noteCreated, markAsViewed, markAllViewed]);
  return (
    <GenerationActionsContext.Provider value={actions}>
      <GenerationsContext.Provider value={value}>{children}</GenerationsContext.Provider>
    </GenerationActionsContext.Provider>
  );
}

export function useGenerations(): GenerationsContextValue {
  const value = useContext(GenerationsContext);
  if (!value) throw new Error("useGenerations() outside <GenerationsProvider>");
  return value;
}

/** `noteCreated`, `markAsViewed`, `markAllViewed`: the same functions for the life of the provider. */
export function useGenerationActions(): GenerationActions {
  const value = useContext(GenerationActionsContext);
  if (!value) throw new Error("useGenerationActions() outside <GenerationsProvider>");
  return value;
}
