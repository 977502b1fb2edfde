import { useEffect, useMemo, useState } from "react";
import { backend, toBackendError, type BackendError } from "../backend";
import type { Generation } from "../bindings";
import { useGenerations } from "../context/GenerationsContext";

/** One full generation: read once, then kept live by the summaries that events bring. */
export function useGeneration(id: string) {
  const { generations } = useGenerations();
  const [loaded, setLoaded] = useState<Generation | null>(null);
  const [error, setError] = useState<BackendError | null>(null);

  useEffect(() => {
    let live = true;
    setLoaded(null);
    setError(null);
    backend.getGeneration(id).then(
      (g) => live && setLoaded(g),
      (e: unknown) => live && setError(toBackendError(e)),
    );
    return () => {
      live = false;
    };
  }, [id]);

  const summary = generations.find((g) => g.id === id);
  const generation = useMemo<Generation | null>(() => {
    if (!loaded) return null;
    if (!summary) return loaded;
    const { prompt_excerpt: _excerpt, ...live } = summary;
    return { ...loaded, ...live };
  }, [loaded, summary]);

  return { generation, error, replace: setLoaded };
}
