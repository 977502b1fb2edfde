import { i18n } from "../i18n";
import type { GenerationStatus } from "../bindings";

export const ACTIVE_STATUSES: readonly GenerationStatus[] = ["pending", "processing"];

export function isActive(status: GenerationStatus): boolean {
  return status === "pending" || status === "processing";
}

/** Newest first; ties broken by id so the order is stable. */
export function newestFirst(a: { created_at: string; id: string }, b: { created_at: string; id: string }): number {
  const ta = Date.parse(a.created_at);
  const tb = Date.parse(b.created_at);
  if (ta !== tb) return tb - ta;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export const STATUSES: readonly GenerationStatus[] = ["pending", "processing", "completed", "failed", "cancelled"];

/** "Queued", "Running"… in the current language. */
export function statusLabel(status: GenerationStatus): string {
  return i18n.t(`status.${status}`);
}
