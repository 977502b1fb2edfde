// Types of issue 8's new commands, declared exactly as the contract
// (/tmp/issue8-contract.md) gives them, until the Rust half regenerates
// bindings.ts with them. Then: import from "./bindings" and delete this file.
import type { GenerationStatus, GenerationSummary } from "./bindings";

export type HistoryQuery = {
  /** FTS5 search in prompts; null or empty = all. */
  text: string | null;
  /** Empty = all. */
  statuses: Array<GenerationStatus>;
  /** `owner/name`. */
  model: string | null;
  /** RFC 3339, `created_at` range. */
  from: string | null;
  to: string | null;
  /** Cursor: id of the last item shown. */
  before: string | null;
  /** Default 100, max 500. */
  limit: number;
};

export type HistoryPage = { items: Array<GenerationSummary>; next_before: string | null };

export type BulkAction = "retry" | "delete" | "mark_viewed" | "cancel";

export type BulkFailure = { id: string; message: string };

export type BulkResult = { done: number; failed: Array<BulkFailure> };

export type BatchSummary = {
  batch_id: string;
  total: number;
  completed: number;
  failed: number;
  cancelled: number;
  active: number;
  /** Oldest first. */
  generations: Array<GenerationSummary>;
};

export type MoveTo = "top" | "up" | "down" | "next";

export type ListOrder = "newest" | "dispatch";

export type ModelRunTime = { model_name: string; median_seconds: number; samples: number };

export type NotifyMode = "always" | "unfocused" | "never";

export type ThemeChoice = "system" | "light" | "dark";

export type LanguageChoice = "system" | "en" | "ru";

export type Settings = {
  notifications: NotifyMode;
  notify_queue_finished: boolean;
  /** null = `<data dir>/outputs`. */
  output_folder: string | null;
  /** null = https://api.replicate.com/v1. */
  api_base: string | null;
  /** null = keep forever; finished generations older than this are deleted with their files. */
  retention_days: number | null;
  theme: ThemeChoice;
  language: LanguageChoice;
  start_paused_after_crash: boolean;
};
