// The fake's one copy of `Generation::summary()` (crates/core/src/model.rs):
// typed against the generated types, so a field added in Rust is a compile
// error here, and the excerpt's length comes from Rust too.
import { PROMPT_EXCERPT_CHARS, type Generation, type GenerationSummary } from "../src/bindings";

/** The list/event view of a generation, as the Rust side makes it. */
export function summaryOf(g: Generation): GenerationSummary {
  return {
    id: g.id,
    model_name: g.model_name,
    status: g.status,
    created_at: g.created_at,
    output_urls: g.output_urls,
    output_files: g.output_files,
    // The first PROMPT_EXCERPT_CHARS characters (Unicode scalar values, as Rust's `chars()`).
    prompt_excerpt: [...g.prompt].slice(0, PROMPT_EXCERPT_CHARS).join(""),
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
    creator: { ...g.creator },
  };
}
