import { i18n } from "../i18n";
import type { Generation, GenerationStatus, GenerationSummary } from "../bindings";

export const ACTIVE_STATUSES: readonly GenerationStatus[] = ["pending", "processing"];

export function isActive(status: GenerationStatus): boolean {
  return status === "pending" || status === "processing";
}

/** The first line-ish of a prompt, as the Rust side makes `prompt_excerpt`. */
export function excerpt(prompt: string, max = 80): string {
  const flat = prompt.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** The summary of a full generation (what a create or retry answer adds to the list). */
export function toSummary(g: Generation): GenerationSummary {
  return {
    id: g.id,
    model_name: g.model_name,
    status: g.status,
    created_at: g.created_at,
    output_urls: g.output_urls,
    output_files: g.output_files,
    prompt_excerpt: excerpt(g.prompt),
    started_at: g.started_at,
    completed_at: g.completed_at,
    viewed: g.viewed,
    progress: g.progress,
    replicate_status: g.replicate_status,
    error: g.error,
    error_kind: g.error_kind,
    wait_reason: g.wait_reason,
    next_attempt_at: g.next_attempt_at,
    priority: g.priority,
    batch_id: g.batch_id,
    retried_from: g.retried_from,
  };
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
