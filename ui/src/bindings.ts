// Types mirrored from the Rust side (serde shapes, snake_case fields).
// This file will be GENERATED from Rust with ts-rs into this same path and
// shape: keep every name and field exactly as it is.

export type GenerationStatus = "pending" | "processing" | "completed" | "failed" | "cancelled";
export type ErrorKind = "input_rejected" | "model_failed" | "aborted" | "retries_exhausted" | "outputs_expired" | "download_failed" | "no_token" | "other";
export type ModelRef = { owner: string; name: string; version: string | null };
export type GenerationSummary = { id: string; model_name: string; status: GenerationStatus; created_at: string /*RFC3339*/; output_urls: string[]; output_files: string[] /*relative to data dir, e.g. "outputs/<id>/0.webp"*/; prompt_excerpt: string; started_at: string | null; completed_at: string | null; viewed: boolean; progress: number | null /*0-100*/; replicate_status: string | null; error: string | null; error_kind: ErrorKind | null; wait_reason: string | null; next_attempt_at: string | null; priority: number; batch_id: string | null; retried_from: string | null };
export type Generation = { id: string; model_name: string; model: ModelRef; status: GenerationStatus; prompt: string; settings: Record<string, unknown>; input: Record<string, unknown>; output_urls: string[]; output_files: string[]; created_at: string; started_at: string | null; completed_at: string | null; viewed: boolean; viewed_at: string | null; prediction_id: string | null; token_id: string | null; replicate_status: string | null; error: string | null; error_kind: ErrorKind | null; progress: number | null; priority: number; attempts: number; next_attempt_at: string | null; wait_reason: string | null; create_sent_at: string | null; batch_id: string | null; retried_from: string | null; updated_at: string };
export type Counters = { active: number; unviewed: number; pending: number; processing: number; completed: number; failed: number; cancelled: number; seq: number };
export type Token = { id: string; label: string; fingerprint: string; active: boolean; disabled_reason: string | null; disabled_at: string | null; last_used_at: string | null; request_count: number; error_count: number; rate_limited_count: number; cooldown_until: string | null; max_concurrency: number; in_flight: number; created_at: string };
export type QueueEvent =
  | { type: "generation_changed"; data: GenerationSummary }
  | { type: "generation_removed"; data: { id: string } }
  | { type: "counters_changed"; data: Counters }
  | { type: "token_changed"; data: Token }
  | { type: "token_removed"; data: { id: string } }
  | { type: "queue_changed"; data: { paused: boolean } };
export type Account = { type: string; username: string; name: string | null; github_url: string | null };
export type FieldKind = { type: "string"; format: string | null } | { type: "integer" } | { type: "number" } | { type: "boolean" } | { type: "enum"; choices: unknown[] } | { type: "other" };
export type InputField = { name: string; title: string | null; description: string | null; kind: FieldKind; default: unknown | null; minimum: number | null; maximum: number | null; required: boolean; order: number };
export type InputForm = { fields: InputField[] };
export type ErrorPayload = { code: string; message: string };
export type AppInfo = { version: string; data_dir: string; demo: boolean; api_base: string; paused: boolean };
export type ModelPreset = { label: string; model: string /*owner/name[:version]*/; description: string };
