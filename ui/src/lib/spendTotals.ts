// Costs the store sums or keeps, as the History page and the dropdown show
// them: a filter's or a batch's total (`SpendTotal`), a row's cost
// (`GenerationSpend`). Unknown prices say "unknown" and are counted apart,
// never as $0.
import { useEffect, useRef, useState } from "react";
import { backend, onQueueEvent } from "../backend";
import type { GenerationSpend, GenerationStatus, QueueEvent, SpendTotal } from "../bindings";
import { i18n } from "../i18n";
import { formatUsd } from "./money";

/** Events burst (a batch ends): a batch's total is read again at most this often. */
export const TOTAL_REFRESH_MS = 400;
/**
 * The History filter's total reads every row of the filter (about 0.2 s for
 * 100,000 rows in a debug build, on the store's one connection: the engine
 * waits meanwhile), so it is read again at most this often.
 */
export const HISTORY_TOTAL_REFRESH_MS = 2000;

/** `$4.12 + about $0.30 to come, 3 unknown` (the parts that apply). */
export function totalText(total: SpendTotal): string {
  const t = i18n.t.bind(i18n);
  let text = formatUsd(total.spent);
  if (total.estimated > 0) text += ` ${t("spend.toCome", { amount: formatUsd(total.estimated) })}`;
  if (total.unknown > 0) text += `, ${t("spend.unknownShort", { count: total.unknown })}`;
  return text;
}

/** One row's cost: the final figure once ended, else "about" the estimate; no row: unknown. */
export function rowCostText(s: GenerationSpend | null): string {
  if (s === null) return formatUsd(null);
  if (s.ended) return formatUsd(s.final);
  return s.estimate === null ? formatUsd(null) : i18n.t("spend.about", { amount: formatUsd(s.estimate) });
}

/**
 * A total read from the store with `load`, again whenever `key` changes and
 * (debounced) after events `relevant` says may change it. `null` until read.
 */
export function useSpendTotal(load: (() => Promise<SpendTotal>) | null, key: string, relevant: (e: QueueEvent) => boolean, everyMs = TOTAL_REFRESH_MS): SpendTotal | null {
  const [total, setTotal] = useState<SpendTotal | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const relevantRef = useRef(relevant);
  relevantRef.current = relevant;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let asked = 0;
    const read = () => {
      const mine = ++asked;
      const l = loadRef.current;
      if (!l) return;
      l().then(
        (t) => live && mine === asked && setTotal(t),
        (e: unknown) => console.error("spend total failed", e),
      );
    };
    setTotal(null);
    read();
    const stop = onQueueEvent((e) => {
      if (timer || !relevantRef.current(e)) return;
      // At most one read per interval, however many events come.
      timer = setTimeout(() => {
        timer = null;
        read();
      }, everyMs);
    });
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
      stop();
    };
  }, [key, everyMs]);
  return total;
}

/**
 * The spend rows of the generations shown, read from the store in one call
 * per change: a row is read again when its status changes (an estimate
 * becomes a final figure). `null`: no row (unknown); missing: not read yet.
 */
export function useGenerationCosts(items: { id: string; status: GenerationStatus }[]): Map<string, GenerationSpend | null> {
  const [costs, setCosts] = useState<Map<string, GenerationSpend | null>>(new Map());
  const seen = useRef(new Map<string, GenerationStatus>());
  useEffect(() => {
    const ids = items.filter((g) => seen.current.get(g.id) !== g.status).map((g) => g.id);
    if (ids.length === 0) return;
    for (const g of items) seen.current.set(g.id, g.status);
    backend.generationSpend(ids).then(
      (rows) =>
        setCosts((old) => {
          const next = new Map(old);
          for (const id of ids) next.set(id, null);
          for (const r of rows) next.set(r.generation_id, r);
          return next;
        }),
      (e: unknown) => {
        for (const id of ids) seen.current.delete(id);
        console.error("generation_spend failed", e);
      },
    );
  }, [items]);
  return costs;
}

/**
 * A filter of events that can change a cost: a generation seen for the first
 * time or in a new status (queued, ended), or removed; not its progress.
 * `batchId`: only that batch's generations.
 */
export function costChanges(batchId: string | null = null): (e: QueueEvent) => boolean {
  const status = new Map<string, GenerationStatus>();
  return (e) => {
    if (e.type === "generation_removed") return batchId === null;
    if (e.type !== "generation_changed") return false;
    if (batchId !== null && e.data.batch_id !== batchId) return false;
    const before = status.get(e.data.id);
    status.set(e.data.id, e.data.status);
    return before !== e.data.status;
  };
}
