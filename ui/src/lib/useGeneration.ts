import { useEffect, useMemo, useState } from "react";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { Generation, GenerationSummary } from "../bindings";

/**
 * One full generation: read once, then kept live by the summaries its own
 * events bring (the page keeps what it shows; GenerationsContext keeps only
 * the unviewed rows, and a generation on its result page is viewed).
 */
export function useGeneration(id: string) {
  const [loaded, setLoaded] = useState<Generation | null>(null);
  const [summary, setSummary] = useState<GenerationSummary | null>(null);
  const [error, setError] = useState<BackendError | null>(null);

  useEffect(() => {
    let live = true;
    setLoaded(null);
    setSummary(null);
    setError(null);
    // Listen first, read second: a change during the read is not missed.
    const stop = onQueueEvent((event) => {
      if ((event.type === "generation_changed" || event.type === "generation_ended") && event.data.id === id) setSummary(event.data);
    });
    backend.getGeneration(id).then(
      (g) => live && setLoaded(g),
      (e: unknown) => live && setError(toBackendError(e)),
    );
    return () => {
      live = false;
      stop();
    };
  }, [id]);

  const generation = useMemo<Generation | null>(() => {
    if (!loaded) return null;
    if (!summary) return loaded;
    const { prompt_excerpt: _excerpt, ...live } = summary;
    return { ...loaded, ...live };
  }, [loaded, summary]);

  return { generation, error, replace: setLoaded };
}
