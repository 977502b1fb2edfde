// The one door to the Rust side: every Tauri command, the queue event and
// local file URLs. No other file of the app imports `@tauri-apps/api`, which
// is what lets the UI run in a plain browser over a mocked IPC (mock/).
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  AppInfo,
  Counters,
  ErrorPayload,
  Generation,
  GenerationStatus,
  GenerationSummary,
  ModelForm,
  ModelPreset,
  QueueEvent,
  Token,
  TokenWithAccount,
} from "./bindings";
import type { BatchSummary, BulkAction, BulkResult, HistoryPage, HistoryQuery, ListOrder, ModelRunTime, MoveTo, Settings } from "./bindings";

export type { ModelForm, TokenWithAccount };

/** The Tauri event that carries every `QueueEvent`. */
export const QUEUE_EVENT = "queue-event";

/** A command failed; `code` is for branching, `message` is for people. */
export class BackendError extends Error implements ErrorPayload {
  readonly code: string;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = "BackendError";
    this.code = payload.code;
  }
}

function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/** Turns whatever a command rejected with into a `BackendError`. */
export function toBackendError(error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  if (isErrorPayload(error)) return new BackendError(error);
  if (typeof error === "string") return new BackendError({ code: "other", message: error });
  if (error instanceof Error) return new BackendError({ code: "other", message: error.message });
  return new BackendError({ code: "other", message: "Something went wrong." });
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toBackendError(error);
  }
}

export type ListGenerationsArgs = {
  limit?: number;
  statuses?: GenerationStatus[];
  unviewedOnly?: boolean;
  /** Id of the last item already shown; the answer holds older ones. */
  before?: string;
  /** "dispatch": pending ones in the order they will run (default "newest"). */
  order?: ListOrder;
};
export type CreateGenerationArgs = {
  model: string;
  prompt: string;
  input: Record<string, unknown>;
  /** Per prompt when `prompts` is given. */
  count: number;
  /** A batch of several prompts (one generation per prompt × count); `prompt` is then ignored. */
  prompts?: string[] | null;
};

let dataDir: string | null = null;

export const backend = {
  async appInfo(): Promise<AppInfo> {
    const info = await call<AppInfo>("app_info");
    dataDir = info.data_dir;
    return info;
  },
  listGenerations: (args: ListGenerationsArgs = {}) => call<GenerationSummary[]>("list_generations", args),
  getGeneration: (id: string) => call<Generation>("get_generation", { id }),
  getCounters: () => call<Counters>("get_counters"),
  createGeneration: (args: CreateGenerationArgs) => call<Generation[]>("create_generation", args),
  markViewed: (id: string) => call<GenerationSummary>("mark_viewed", { id }),
  markAllViewed: () => call<number>("mark_all_viewed"),
  cancelGeneration: (id: string) => call<Generation>("cancel_generation", { id }),
  retryGeneration: (id: string) => call<Generation>("retry_generation", { id }),
  deleteGeneration: (id: string) => call<null>("delete_generation", { id }),
  pauseQueue: () => call<void>("pause_queue"),
  resumeQueue: () => call<void>("resume_queue"),
  listTokens: () => call<Token[]>("list_tokens"),
  addToken: (label: string, secret: string) => call<TokenWithAccount>("add_token", { label, secret }),
  removeToken: (id: string) => call<void>("remove_token", { id }),
  setTokenEnabled: (id: string, enabled: boolean) => call<Token>("set_token_enabled", { id, enabled }),
  revalidateToken: (id: string) => call<TokenWithAccount>("revalidate_token", { id }),
  listPresets: () => call<ModelPreset[]>("list_presets"),
  getModelForm: (model: string) => call<ModelForm>("get_model_form", { model }),
  async startDemo(): Promise<AppInfo> {
    const info = await call<AppInfo>("start_demo");
    dataDir = info.data_dir;
    return info;
  },
  setTokenConcurrency: (id: string, n: number) => call<Token>("set_token_concurrency", { id, n }),
  listHistory: (query: HistoryQuery) => call<HistoryPage>("list_history", { query }),
  historyModels: () => call<string[]>("history_models"),
  bulkGenerations: (ids: string[], action: BulkAction) => call<BulkResult>("bulk_generations", { ids, action }),
  clearFinished: () => call<number>("clear_finished"),
  // Tauri turns the Rust parameter `batch_id` into the JS key `batchId` (as `unviewed_only` → `unviewedOnly`).
  getBatch: (batchId: string) => call<BatchSummary>("get_batch", { batchId }),
  cancelBatch: (batchId: string) => call<number>("cancel_batch", { batchId }),
  retryBatch: (batchId: string) => call<Generation[]>("retry_batch", { batchId }),
  moveGeneration: (id: string, to: MoveTo) => call<GenerationSummary>("move_generation", { id, to }),
  reorderPending: (ids: string[]) => call<null>("reorder_pending", { ids }),
  runTimeStats: () => call<ModelRunTime[]>("run_time_stats"),
  getSettings: () => call<Settings>("get_settings"),
  setSettings: (settings: Settings) => call<Settings>("set_settings", { settings }),
  openOutputFolder: (id: string) => call<void>("open_output_folder", { id }),
  saveOutputAs: (id: string, index: number) => call<string | null>("save_output_as", { id, index }),
  /** Opens an https link in the system browser (tauri-plugin-opener). */
  openExternal: (url: string) => call<void>("plugin:opener|open_url", { url }),
};

/** Follows the queue; returns a function that stops listening. */
export function onQueueEvent(handler: (event: QueueEvent) => void): () => void {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  listen<QueueEvent>(QUEUE_EVENT, (event) => {
    if (!stopped) handler(event.payload);
  }).then(
    (stop) => {
      if (stopped) stop();
      else unlisten = stop;
    },
    (error: unknown) => console.error("queue-event listener failed", error),
  );
  return () => {
    stopped = true;
    unlisten?.();
  };
}

/** Name of the event by which the app asks the window to show a page. */
export const NAVIGATE_EVENT = "navigate";

/**
 * Follows the app's page requests (a tray or notification click opens a
 * result: `{path: "/result/<id>"}`; an empty path asks for a full reload,
 * e.g. after the queue was swapped for the demo's). Returns a stop function.
 */
export function onNavigate(handler: (path: string) => void): () => void {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  listen<{ path: string }>(NAVIGATE_EVENT, (event) => {
    if (!stopped) handler(event.payload.path);
  }).then(
    (stop) => {
      if (stopped) stop();
      else unlisten = stop;
    },
    (error: unknown) => console.error("navigate listener failed", error),
  );
  return () => {
    stopped = true;
    unlisten?.();
  };
}

/** Joins a data-dir-relative path ("outputs/<id>/0.webp") with the data dir. */
export function joinDataPath(dir: string, relPath: string): string {
  const sep = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  const rel = relPath.split(/[\\/]+/).filter(Boolean).join(sep);
  return dir.endsWith(sep) ? dir + rel : dir + sep + rel;
}

/** A URL the webview can load for a file under the data dir. */
export function fileUrl(relPath: string): string {
  // Outputs saved in an output folder outside the data dir are stored absolute.
  if (isAbsolutePath(relPath)) return convertFileSrc(relPath);
  if (dataDir === null) throw new Error("fileUrl before app_info: the data dir is unknown");
  return convertFileSrc(joinDataPath(dataDir, relPath));
}

/** `/…`, `C:\…` or `\\server\…`: a path that needs no data dir. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\\\") || /^[A-Za-z]:[\\/]/.test(path);
}
