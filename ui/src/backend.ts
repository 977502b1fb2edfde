// The one door to the Rust side: every Tauri command, the queue event and
// local file URLs. No other file of the app imports `@tauri-apps/api`, which
// is what lets the UI run in a plain browser over a mocked IPC (mock/).
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AppInfo, CommandName, Commands, ErrorCode, ErrorPayload, ModelForm, QueueEvent, Scope, TelegramStatus, TokenWithAccount } from "./bindings";

export type { ModelForm, TokenWithAccount };

/**
 * The Tauri event that says queue events wait (no payload): the page takes
 * them, oldest first, with `take_queue_events` (the Rust side says so at most
 * once per 50 ms, so a storm of changes is one take and one render, not
 * hundreds; `event_batch.rs`, `window_events.rs`).
 */
export const QUEUE_EVENTS_READY = "queue-events-ready";

/** A command failed; `code` is for branching, `message` is for people. */
export class BackendError extends Error implements ErrorPayload {
  readonly code: ErrorCode;
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
  // Not from a command (a plugin, the IPC itself): no code to branch on.
  if (typeof error === "string") return new BackendError({ code: "internal", message: error });
  if (error instanceof Error) return new BackendError({ code: "internal", message: error.message });
  return new BackendError({ code: "internal", message: "Something went wrong." });
}

type ArgsOf<K extends CommandName> = Commands[K]["args"];
type ResultOf<K extends CommandName> = Commands[K]["result"];

/** Calls a command of the generated list: its name, arguments and answer are typed by it. */
async function call<K extends CommandName>(command: K, ...args: Record<string, never> extends ArgsOf<K> ? [ArgsOf<K>?] : [ArgsOf<K>]): Promise<ResultOf<K>> {
  try {
    return await invoke<ResultOf<K>>(command, args[0]);
  } catch (error) {
    throw toBackendError(error);
  }
}

/**
 * `limit`, `statuses`, `unviewedOnly`; `before`: id of the last item already
 * shown (the answer holds older ones); `order: "dispatch"`: pending ones in
 * the order they will run (default "newest").
 */
export type ListGenerationsArgs = ArgsOf<"list_generations">;
/** `count` is per prompt when `prompts` (a batch, one generation per prompt × count) is given; `prompt` is then ignored. */
export type CreateGenerationArgs = ArgsOf<"create_generation">;

let dataDir: string | null = null;

export const backend = {
  async appInfo(): Promise<AppInfo> {
    const info = await call("app_info");
    dataDir = info.data_dir;
    return info;
  },
  listGenerations: (args: ListGenerationsArgs = {}) => call("list_generations", args),
  getGeneration: (id: string) => call("get_generation", { id }),
  getCounters: () => call("get_counters"),
  /** Answers the new generations' summaries; the lists learn of them from their events. */
  createGeneration: (args: CreateGenerationArgs) => call("create_generation", args),
  markViewed: (id: string) => call("mark_viewed", { id }),
  markAllViewed: () => call("mark_all_viewed"),
  cancelGeneration: (id: string) => call("cancel_generation", { id }),
  retryGeneration: (id: string) => call("retry_generation", { id }),
  deleteGeneration: (id: string) => call("delete_generation", { id }),
  pauseQueue: () => call("pause_queue"),
  resumeQueue: () => call("resume_queue"),
  listTokens: () => call("list_tokens"),
  addToken: (label: string, secret: string) => call("add_token", { label, secret }),
  /** Ids of the tokens whose secret this machine's keyring holds. */
  tokensHere: () => call("tokens_here"),
  removeToken: (id: string) => call("remove_token", { id }),
  /** On a team's database: the secret leaves this machine's keyring only; the token stays in the team's pool. */
  forgetTokenHere: (id: string) => call("forget_token_here", { id }),
  setTokenEnabled: (id: string, enabled: boolean) => call("set_token_enabled", { id, enabled }),
  revalidateToken: (id: string) => call("revalidate_token", { id }),
  listPresets: () => call("list_presets"),
  getModelForm: (model: string) => call("get_model_form", { model }),
  searchModels: (query: string) => call("search_models", { query }),
  listCollections: () => call("list_collections"),
  getCollection: (slug: string) => call("get_collection", { slug }),
  async startDemo(): Promise<AppInfo> {
    const info = await call("start_demo");
    dataDir = info.data_dir;
    return info;
  },
  setTokenConcurrency: (id: string, n: number) => call("set_token_concurrency", { id, n }),
  listHistory: (query: ArgsOf<"list_history">["query"]) => call("list_history", { query }),
  historyModels: () => call("history_models"),
  /** The members who have a generation here (a team's database), sorted. */
  historyMembers: () => call("history_members"),
  /** On a team's database another member's generation fails unless `scope` is "everyone". */
  bulkGenerations: (ids: string[], action: ArgsOf<"bulk_generations">["action"], scope: Scope = "mine") => call("bulk_generations", { ids, action, scope }),
  clearFinished: (scope: Scope = "mine") => call("clear_finished", { scope }),
  /** Fetches a listed generation's files another machine saved (team database); true when one came. */
  fetchOutputs: (id: string) => call("fetch_outputs", { id }),
  getBatch: (batchId: string) => call("get_batch", { batchId }),
  cancelBatch: (batchId: string, scope: Scope = "mine") => call("cancel_batch", { batchId, scope }),
  retryBatch: (batchId: string) => call("retry_batch", { batchId }),
  moveGeneration: (id: string, to: ArgsOf<"move_generation">["to"]) => call("move_generation", { id, to }),
  reorderPending: (ids: string[]) => call("reorder_pending", { ids }),
  runTimeStats: () => call("run_time_stats"),
  getSettings: () => call("get_settings"),
  setSettings: (settings: ArgsOf<"set_settings">["settings"]) => call("set_settings", { settings }),
  /** The first frame is painted: the window (created hidden) is shown now. */
  windowReady: () => call("window_ready"),
  telegramInfo: () => call("telegram_info"),
  /** Keeps the bot token in the keyring; answers whether one is set, never the token. */
  setTelegramToken: (token: string) => call("set_telegram_token", { token }),
  removeTelegramToken: () => call("remove_telegram_token"),
  /** Sends the test message to the chat of the settings; answers the bot's @username. */
  sendTelegramTest: () => call("send_telegram_test"),
  findTelegramChats: () => call("find_telegram_chats"),
  dismissTelegramFailure: () => call("dismiss_telegram_failure"),
  /** Settings → Team queue: the database the queue is on, the folder's setting; never the password. */
  teamInfo: () => call("team_info"),
  /** Connects and reads the schema version; an empty password uses the keyring's. */
  testTeamConnection: (databaseUrl: string, password: string) => call("test_team_connection", { databaseUrl, password }),
  /** Keeps the password in the keyring and reopens the app's queue on the team database. */
  joinTeam: (databaseUrl: string, password: string, member: string) => call("join_team", { databaseUrl, password, member }),
  leaveTeam: () => call("leave_team"),
  spendReport: (from: string | null, to: string | null) => call("spend_report", { from, to }),
  setSpendSettings: (settings: ArgsOf<"set_spend_settings">["settings"]) => call("set_spend_settings", { settings }),
  shippedPrices: () => call("shipped_prices"),
  estimateGeneration: (model: string, input: Record<string, unknown>, generations: number) => call("estimate_generation", { model, input, generations }),
  generationSpend: (ids: string[]) => call("generation_spend", { ids }),
  /** What every generation of the History filter cost (all pages, summed by the store). */
  historySpend: (query: ArgsOf<"history_spend">["query"]) => call("history_spend", { query }),
  batchSpend: (batchId: string) => call("batch_spend", { batchId }),
  openOutputFolder: (id: string) => call("open_output_folder", { id }),
  saveOutputAs: (id: string, index: number) => call("save_output_as", { id, index }),
  /** Opens an https link in the system browser (tauri-plugin-opener's own command, not in the list). */
  async openExternal(url: string): Promise<void> {
    try {
      await invoke(OPEN_URL, { url });
    } catch (error) {
      throw toBackendError(error);
    }
  },
};

/** tauri-plugin-opener's command that opens a link. */
export const OPEN_URL = "plugin:opener|open_url";

// The queue's events: the Rust side keeps them and says `queue-events-ready`
// (no payload); the page takes them all with `take_queue_events`, one take
// at a time. Not in the event itself: Tauri evaluates a script per event with
// the payload in it, and the web process kept the compiled code of every
// such script for the session (src-tauri/src/window_events.rs).
// One hub for the page: every onQueueEvent handler gets every event.
type QueueHandler = (event: QueueEvent) => void;
const queueHandlers = new Set<QueueHandler>();
let queueHub: { stop: (() => void) | null; stopped: boolean } | null = null;
let taking = false;
let takeAgain = false;

async function takeQueueEvents(first: boolean): Promise<void> {
  if (taking) {
    takeAgain = true;
    return;
  }
  taking = true;
  try {
    let events = await call("take_queue_events", { first });
    for (;;) {
      // One take's events run in one task: React renders once for them all.
      for (const event of events) for (const handler of [...queueHandlers]) if (queueHandlers.has(handler)) handler(event);
      if (!takeAgain) break;
      takeAgain = false;
      events = await call("take_queue_events", { first: false });
    }
  } catch (error) {
    console.error("take_queue_events failed", error);
  } finally {
    taking = false;
  }
}

function startQueueHub(): void {
  const hub: { stop: (() => void) | null; stopped: boolean } = { stop: null, stopped: false };
  queueHub = hub;
  listen(QUEUE_EVENTS_READY, () => void takeQueueEvents(false)).then(
    (stop) => {
      if (hub.stopped) return stop();
      hub.stop = stop;
      // From now on events wait for this page; what waited before is in what it loads.
      void takeQueueEvents(true);
    },
    (error: unknown) => console.error("queue-events-ready listener failed", error),
  );
}

/** Follows the queue, one event at a time, in order; returns a function that stops listening. */
export function onQueueEvent(handler: (event: QueueEvent) => void): () => void {
  // Its own function: the same handler may follow twice.
  const own: QueueHandler = (event) => handler(event);
  queueHandlers.add(own);
  if (!queueHub) startQueueHub();
  return () => {
    queueHandlers.delete(own);
    if (queueHandlers.size === 0 && queueHub) {
      queueHub.stopped = true;
      queueHub.stop?.();
      queueHub = null;
    }
  };
}

/** The Tauri event that carries the Telegram relay's `TelegramStatus`. */
export const TELEGRAM_STATUS_EVENT = "telegram-status";

/** Follows how sending to Telegram goes; returns a function that stops listening. */
export function onTelegramStatus(handler: (status: TelegramStatus) => void): () => void {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  listen<TelegramStatus>(TELEGRAM_STATUS_EVENT, (event) => {
    if (!stopped) handler(event.payload);
  }).then(
    (stop) => {
      if (stopped) stop();
      else unlisten = stop;
    },
    (error: unknown) => console.error("telegram-status listener failed", error),
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

/** The absolute path of a data-dir-relative path (an absolute one as is). */
export function dataPath(relPath: string): string {
  if (isAbsolutePath(relPath)) return relPath;
  if (dataDir === null) throw new Error("dataPath before app_info: the data dir is unknown");
  return joinDataPath(dataDir, relPath);
}

/** `/…`, `C:\…` or `\\server\…`: a path that needs no data dir. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\\\") || /^[A-Za-z]:[\\/]/.test(path);
}
