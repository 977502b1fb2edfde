// An in-memory stand-in for the Rust side: the commands of src/backend.ts,
// the queue events, and a little simulated Replicate (pending → processing
// with progress → completed with pictures, or failed). Used by the Vitest
// suite and by the Playwright build (mock.html); never by the real app.
import type { Account, AppInfo, CommandName, Commands, Counters, ErrorCode, ErrorPayload, Generation, GenerationStatus, GenerationSummary, QueueEvent, Token } from "../src/bindings";
import type { BatchSummary, BulkAction, BulkResult, HistoryPage, HistoryQuery, ModelForm, ModelRunTime, MoveTo, Settings } from "../src/bindings";
import { COMMANDS, MAX_BATCH, MAX_COUNT } from "../src/bindings";
import { OPEN_URL } from "../src/backend";
import { isActive } from "../src/lib/generation";
import { summaryOf } from "./summary";
import { Archive, ARCHIVE_RUN_SECONDS, matchesText } from "./archive";
import { fakeImage } from "./fakeImages";
import { genericForm, MODEL_FORMS, PRESETS } from "./modelForms";

export type FakeOptions = {
  /** "auto": generations run by themselves on timers; "manual": only the test moves them. */
  clock?: "auto" | "manual";
  /** Delay before events reach the UI (0 = during the command, as Tauri does). */
  eventDelayMs?: number;
  /** Milliseconds per simulated step in "auto". */
  stepMs?: number;
  /** Called with every file path the fake writes and its data URL. */
  onFile?: (path: string, url: string) => void;
};

export const DATA_DIR = "/home/ada/.local/share/app.genqueue";

const FINISHED: readonly GenerationStatus[] = ["completed", "failed", "cancelled"];

/** Newest first, ties by id (the order of list_generations and list_history). */
function newestFirst(a: Generation, b: Generation): number {
  return a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1;
}

/** Dispatch order: higher priority first, then older first. */
function dispatchOrder(a: Generation, b: Generation): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1;
}

class CommandError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
  }
}
const fail = (code: ErrorCode, message: string): never => {
  throw new CommandError({ code, message });
};

type Args = Record<string, unknown>;

/** An answer for every command of the generated list, typed by it. */
export type FakeCommands = {
  [K in CommandName]: (args: Commands[K]["args"]) => Commands[K]["result"] | Promise<Commands[K]["result"]>;
};

function isCommand(cmd: string): cmd is CommandName {
  return (COMMANDS as readonly string[]).includes(cmd);
}

export class FakeBackend {
  info: AppInfo = { version: "0.1.0", data_dir: DATA_DIR, demo: false, api_base: "https://api.replicate.com/v1", paused: false, engine_running: true };
  generations = new Map<string, Generation>();
  tokens = new Map<string, Token>();
  files = new Map<string, string>();
  calls: { cmd: string; args: Args }[] = [];
  settings: Settings = {
    notifications: "unfocused",
    notify_queue_finished: true,
    output_folder: null,
    api_base: null,
    retention_days: null,
    theme: "system",
    language: "system",
    start_paused_after_crash: false,
  };
  /** A long finished history behind the live generations (scenario "history"). */
  archive: Archive | null = null;
  /** Milliseconds each list_history answer waits (a slow store), 0 = at once. */
  historyDelayMs = 0;
  private thumbs = new Map<string, string>();
  private seq = 0;
  private nextId: Record<string, number> = {};
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private listeners: ((event: QueueEvent) => void)[] = [];

  constructor(readonly options: FakeOptions = {}) {}

  // ---- plumbing -----------------------------------------------------------

  onEvent(listener: (event: QueueEvent) => void): void {
    this.listeners.push(listener);
  }

  emit(event: QueueEvent): void {
    const delay = this.options.eventDelayMs ?? 0;
    const send = () => this.listeners.forEach((l) => l(event));
    if (delay > 0) this.later(delay, send);
    else send();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  stop(): void {
    this.timers.forEach(clearTimeout);
    this.timers.clear();
  }

  id(prefix: string): string {
    const n = (this.nextId[prefix] ?? 0) + 1;
    this.nextId[prefix] = n;
    return `${prefix}${String(n).padStart(4, "0")}`;
  }

  counters(): Counters {
    const c: Counters = { active: 0, unviewed: 0, pending: 0, processing: 0, completed: 0, failed: 0, cancelled: 0, seq: this.seq };
    for (const g of this.generations.values()) {
      c[g.status] += 1;
      if (g.status === "pending" || g.status === "processing") c.active += 1;
      if (!g.viewed) c.unviewed += 1;
    }
    if (this.archive) {
      const a = this.archive.statusCounts();
      for (const k of FINISHED) c[k] += a[k];
    }
    return c;
  }

  /** Stores a change and emits it the way the Rust side does: the row, then the counters. */
  save(g: Generation): Generation {
    g.updated_at = new Date().toISOString();
    this.generations.set(g.id, g);
    this.seq += 1;
    this.emit({ type: "generation_changed", data: summaryOf(g) });
    this.emit({ type: "counters_changed", data: this.counters() });
    return g;
  }

  saveToken(t: Token): Token {
    this.tokens.set(t.id, t);
    this.emit({ type: "token_changed", data: t });
    return t;
  }

  // ---- building data ------------------------------------------------------

  newToken(label: string, fingerprint: string, extra: Partial<Token> = {}): Token {
    return {
      id: this.id("tok_"),
      label,
      fingerprint,
      active: true,
      disabled_reason: null,
      disabled_at: null,
      last_used_at: null,
      request_count: 0,
      error_count: 0,
      rate_limited_count: 0,
      cooldown_until: null,
      max_concurrency: 4,
      in_flight: 0,
      created_at: new Date().toISOString(),
      ...extra,
    };
  }

  newGeneration(model: string, prompt: string, input: Args, extra: Partial<Generation> = {}): Generation {
    const [path, version = null] = model.split(":");
    const [owner, name] = path.split("/");
    const now = new Date().toISOString();
    return {
      id: this.id("gen_"),
      model_name: path,
      model: { owner, name, version },
      status: "pending",
      prompt,
      settings: { ...input },
      input: { ...input, prompt },
      output_urls: [],
      output_files: [],
      created_at: now,
      started_at: null,
      completed_at: null,
      viewed: false,
      viewed_at: null,
      prediction_id: null,
      token_id: null,
      replicate_status: null,
      error: null,
      error_kind: null,
      progress: null,
      priority: 0,
      attempts: 0,
      next_attempt_at: null,
      wait_reason: null,
      create_sent_at: null,
      batch_id: null,
      retried_from: null,
      updated_at: now,
      ...extra,
    };
  }

  /** Writes the output pictures of `g` (data URLs standing in for files). */
  writeOutputs(g: Generation): void {
    const n = typeof g.input.num_outputs === "number" ? g.input.num_outputs : 1;
    g.output_files = [];
    g.output_urls = [];
    for (let i = 0; i < n; i++) {
      const rel = `outputs/${g.id}/${i}.webp`;
      const url = fakeImage(`${g.prompt}#${i}`);
      this.files.set(`${DATA_DIR}/${rel}`, url);
      this.options.onFile?.(`${DATA_DIR}/${rel}`, url);
      g.output_files.push(rel);
      g.output_urls.push(`https://replicate.delivery/xezq/${g.id}/out-${i}.webp`);
    }
  }

  // ---- moving generations (timers in "auto", the test in "manual") -------

  start(id: string): void {
    const g = this.generations.get(id);
    if (!g || g.status !== "pending") return;
    const token = [...this.tokens.values()].find((t) => t.active);
    if (token) this.saveToken({ ...token, request_count: token.request_count + 1, last_used_at: new Date().toISOString() });
    this.save({ ...g, status: "processing", replicate_status: "starting", started_at: new Date().toISOString(), prediction_id: `p${g.id}`, token_id: token?.id ?? null, attempts: 1, progress: null });
  }

  progress(id: string, pct: number): void {
    const g = this.generations.get(id);
    if (!g || g.status !== "processing") return;
    this.save({ ...g, replicate_status: "processing", progress: pct });
  }

  complete(id: string): void {
    const g = this.generations.get(id);
    if (!g || (g.status !== "processing" && g.status !== "pending")) return;
    const done: Generation = { ...g, status: "completed", replicate_status: "succeeded", progress: 100, started_at: g.started_at ?? new Date().toISOString(), completed_at: new Date().toISOString() };
    this.writeOutputs(done);
    this.save(done);
  }

  failGeneration(id: string, message = "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 39.39 GiB total capacity)", kind: Generation["error_kind"] = "model_failed"): void {
    const g = this.generations.get(id);
    if (!g || (g.status !== "processing" && g.status !== "pending")) return;
    this.save({ ...g, status: "failed", replicate_status: "failed", error: message, error_kind: kind, completed_at: new Date().toISOString() });
  }

  /** Token slots: the active tokens' concurrency. */
  slots(): number {
    return [...this.tokens.values()].filter((t) => t.active).reduce((n, t) => n + t.max_concurrency, 0);
  }

  /** Pending generations in the order they will run. */
  dispatchList(): Generation[] {
    return [...this.generations.values()].filter((g) => g.status === "pending").sort(dispatchOrder);
  }

  /** "auto": starts queued generations in dispatch order while slots are free and the queue runs. */
  pump(): void {
    if (this.options.clock === "manual" || this.info.paused) return;
    let running = [...this.generations.values()].filter((g) => g.status === "processing").length;
    for (const g of this.dispatchList()) {
      if (running >= this.slots()) break;
      running += 1;
      this.run(g.id);
    }
  }

  private run(id: string): void {
    const step = this.options.stepMs ?? 400;
    const failing = this.generations.get(id)?.prompt.toLowerCase().includes("fail") ?? false;
    this.start(id);
    for (let i = 1; i <= 8; i++) {
      this.later(step * i, () => {
        if (failing && i === 4) {
          this.failGeneration(id);
          this.pump();
        } else this.progress(id, Math.round((i / 8) * 100));
      });
    }
    this.later(step * 8.5, () => {
      this.complete(id);
      this.pump();
    });
  }

  // ---- the commands -------------------------------------------------------

  /**
   * The fake's answer to every command of the generated list (`Commands` in
   * bindings.ts, from src-tauri/src/ipc.rs): a command missing here, or one
   * taking other arguments or answering another type, does not compile.
   */
  readonly commands: FakeCommands = {
    app_info: () => ({ ...this.info }),
    get_counters: () => this.counters(),
    list_generations: (args) => this.list(args),
    get_generation: ({ id }) => ({ ...this.mustGet(id) }),
    create_generation: (args) => this.create(args),
    mark_viewed: ({ id }) => {
      const g = this.mustGet(id);
      if (!g.viewed) this.save({ ...g, viewed: true, viewed_at: new Date().toISOString() });
      return summaryOf(this.mustGet(g.id));
    },
    mark_all_viewed: () => {
      let n = 0;
      for (const g of [...this.generations.values()]) {
        if (g.viewed) continue;
        n += 1;
        this.save({ ...g, viewed: true, viewed_at: new Date().toISOString() });
      }
      return n;
    },
    cancel_generation: ({ id }) => {
      const g = this.mustGet(id);
      if (g.status !== "pending" && g.status !== "processing") fail("invalid_state", "Only a queued or running generation can be cancelled.");
      return { ...this.save({ ...g, status: "cancelled", replicate_status: g.prediction_id ? "canceled" : null, completed_at: new Date().toISOString() }) };
    },
    retry_generation: ({ id }) => {
      const again = this.retry(this.mustGet(id));
      this.pump();
      return summaryOf(again);
    },
    delete_generation: ({ id }) => {
      this.remove(this.mustGet(id).id);
      return null;
    },
    pause_queue: () => this.setPaused(true),
    resume_queue: () => this.setPaused(false),
    set_token_concurrency: ({ id, n }) => {
      const t = this.mustToken(id);
      if (!Number.isInteger(n) || n < 1 || n > 16) fail("invalid_input", "Concurrency must be a whole number from 1 to 16.");
      const saved = this.saveToken({ ...t, max_concurrency: n });
      this.pump();
      return saved;
    },
    list_history: ({ query }) => this.listHistory(query),
    history_models: () => this.historyModels(),
    bulk_generations: ({ ids, action }) => this.bulk(ids, action),
    clear_finished: () => this.clearFinished(),
    get_batch: ({ batchId }) => this.batch(batchId),
    cancel_batch: ({ batchId }) => {
      let n = 0;
      for (const g of this.batchMembers(batchId)) {
        if (!isActive(g.status)) continue;
        this.save({ ...g, status: "cancelled", replicate_status: g.prediction_id ? "canceled" : null, completed_at: new Date().toISOString() });
        n += 1;
      }
      this.pump();
      return n;
    },
    retry_batch: ({ batchId }) => {
      const again = this.current(this.batchMembers(batchId))
        .filter((g) => g.status === "failed" || g.status === "cancelled")
        .map((g) => summaryOf(this.retry(g)));
      this.pump();
      return again;
    },
    move_generation: ({ id, to }) => this.move(id, to),
    reorder_pending: ({ ids }) => {
      const order = this.dispatchList();
      for (const id of ids) if (!order.some((g) => g.id === id)) fail("invalid_state", `Generation ${id} is not queued any more.`);
      this.renumber([...ids.map((id) => order.find((g) => g.id === id)!), ...order.filter((g) => !ids.includes(g.id))]);
      return null;
    },
    run_time_stats: () => this.runTimeStats(),
    get_settings: () => ({ ...this.settings }),
    set_settings: ({ settings: next }) => {
      if (next.api_base !== null && !/^https?:\/\/\S+$/.test(next.api_base)) fail("invalid_settings", "The API base URL must start with http:// or https://.");
      if (next.retention_days !== null && (!Number.isInteger(next.retention_days) || next.retention_days < 1)) fail("invalid_settings", "Keep history for at least one day.");
      this.settings = { ...next };
      return { ...this.settings };
    },
    list_tokens: () => [...this.tokens.values()],
    add_token: ({ label, secret }) => this.addToken(label, secret),
    remove_token: ({ id }) => {
      if (!this.tokens.delete(id)) fail("not_found", "No such token.");
      this.emit({ type: "token_removed", data: { id } });
      return null;
    },
    set_token_enabled: ({ id, enabled }) => {
      const t = this.mustToken(id);
      return this.saveToken({ ...t, active: enabled, disabled_reason: null, disabled_at: enabled ? null : new Date().toISOString() });
    },
    revalidate_token: ({ id }) => ({ token: this.mustToken(id), account: this.account() }),
    list_presets: () => PRESETS,
    get_model_form: ({ model }) => this.modelForm(model),
    start_demo: () => {
      this.info = { ...this.info, demo: true, api_base: "http://127.0.0.1:47411/v1" };
      for (const label of ["Demo token 1", "Demo token 2", "Demo token 3"]) this.saveToken(this.newToken(label, `dem${label.slice(-1)}`));
      return { ...this.info };
    },
    open_output_folder: ({ id }) => {
      this.mustGet(id);
      return null;
    },
    save_output_as: ({ id, index }) => `/home/ada/Pictures/${id}-${index}.webp`,
  };

  /** What the mocked IPC calls: a command of the list, or a plugin's. */
  handle(cmd: string, args: Args = {}): unknown {
    this.calls.push({ cmd, args });
    if (cmd === OPEN_URL) return null;
    if (!isCommand(cmd)) return fail("internal", `The app has no command ${cmd}.`);
    // The arguments are what the UI sent; the generated types say what they hold.
    return (this.commands[cmd] as (args: Args) => unknown)(args);
  }

  private setPaused(paused: boolean): null {
    this.info.paused = paused;
    this.emit({ type: "queue_changed", data: { paused } });
    this.pump();
    return null;
  }

  /** A live generation, or a row of the archive (built on demand). */
  find(id: string): Generation | undefined {
    const live = this.generations.get(id);
    if (live || !this.archive) return live;
    const i = this.archive.indexOf(id);
    return i !== null && this.archive.has(i) ? this.archive.generation(i, (m, p, input, extra) => this.newGeneration(m, p, input, extra)) : undefined;
  }

  private mustGet(id: string): Generation {
    return this.find(id) ?? fail("not_found", `No generation ${id}.`);
  }

  /** The data URL behind a file path (archive thumbnails are drawn when first asked for). */
  fileUrl(path: string): string | undefined {
    const known = this.files.get(path) ?? this.thumbs.get(path);
    if (known || !this.archive) return known;
    const m = /\/outputs\/(arc_\d+)\/0\.webp$/.exec(path);
    const i = m ? this.archive.indexOf(m[1]) : null;
    if (i === null || !this.archive.has(i)) return undefined;
    // A few dozen pictures shared by every row, drawn once: what a scroll costs is the UI's, not the fake's.
    const key = `thumb:${this.archive.prompt(i).split(",")[0]}`;
    let url = this.thumbs.get(key);
    if (!url) {
      url = fakeImage(key, 96, 96);
      this.thumbs.set(key, url);
    }
    return url;
  }

  private remove(id: string): void {
    const i = this.archive?.indexOf(id) ?? null;
    if (i !== null && !this.generations.has(id)) this.archive?.remove(i);
    else this.generations.delete(id);
    this.seq += 1;
    this.emit({ type: "generation_removed", data: { id } });
    this.emit({ type: "counters_changed", data: this.counters() });
  }

  private retry(g: Generation): Generation {
    const again = this.save(this.newGeneration(`${g.model_name}${g.model.version ? `:${g.model.version}` : ""}`, g.prompt, g.settings, { retried_from: g.id, batch_id: g.batch_id }));
    return { ...again };
  }

  private listHistory(q: Partial<HistoryQuery>): HistoryPage | Promise<HistoryPage> {
    const limit = Math.min(500, Math.max(1, q.limit ?? 100));
    const statuses = q.statuses ?? [];
    const from = q.from ? Date.parse(q.from) : -Infinity;
    const to = q.to ? Date.parse(q.to) : Infinity;
    const keep = (status: GenerationStatus, model: string, createdMs: number, prompt: () => string) =>
      (statuses.length === 0 || statuses.includes(status)) && (!q.model || q.model === model) && createdMs >= from && createdMs <= to && matchesText(prompt(), q.text ?? null);
    const live = [...this.generations.values()].sort(newestFirst).filter((g) => keep(g.status, g.model_name, Date.parse(g.created_at), () => g.prompt));
    const items: GenerationSummary[] = [];
    let liveAt = 0;
    let archiveAt = 0;
    const arc = this.archive;
    if (q.before) {
      const i = arc && !this.generations.has(q.before) ? arc.indexOf(q.before) : null;
      if (i !== null) {
        liveAt = live.length;
        archiveAt = i + 1;
      } else {
        const at = live.findIndex((g) => g.id === q.before);
        liveAt = at === -1 ? live.length : at + 1;
      }
    }
    for (; liveAt < live.length && items.length <= limit; liveAt++) items.push(summaryOf(live[liveAt]));
    if (arc) {
      // The archive is older than every live generation; skip what the range leaves out without building rows.
      if (to !== Infinity) archiveAt = Math.max(archiveAt, arc.firstBefore(to + 1));
      for (let i = archiveAt; i < arc.size && items.length <= limit; i++) {
        if (!arc.has(i)) continue;
        const created = arc.createdMs(i);
        if (created < from) break;
        if (!keep(arc.status(i), arc.model(i), created, () => arc.prompt(i))) continue;
        items.push(summaryOf(this.find(arc.id(i))!));
      }
    }
    const more = items.length > limit;
    const page: HistoryPage = { items: items.slice(0, limit), next_before: more ? items[limit - 1].id : null };
    if (this.historyDelayMs <= 0) return page;
    return new Promise((resolve) => this.later(this.historyDelayMs, () => resolve(page)));
  }

  private historyModels(): string[] {
    const models = new Set([...this.generations.values()].map((g) => g.model_name));
    if (this.archive) for (const m of Object.keys(ARCHIVE_RUN_SECONDS)) models.add(m);
    return [...models].sort();
  }

  private bulk(ids: string[], action: BulkAction): BulkResult {
    const result: BulkResult = { done: 0, failed: [] };
    for (const id of ids) {
      const g = this.find(id);
      if (!g) {
        result.failed.push({ id, message: `No generation ${id}.` });
        continue;
      }
      if (action === "retry") {
        if (isActive(g.status)) result.failed.push({ id, message: "It is still queued or running." });
        else {
          this.retry(g);
          result.done += 1;
        }
      } else if (action === "delete") {
        if (isActive(g.status)) result.failed.push({ id, message: "Cancel it before deleting it." });
        else {
          this.remove(id);
          result.done += 1;
        }
      } else if (action === "mark_viewed") {
        if (!g.viewed && this.generations.has(id)) this.save({ ...g, viewed: true, viewed_at: new Date().toISOString() });
        result.done += 1;
      } else if (action === "cancel") {
        if (!isActive(g.status)) result.failed.push({ id, message: "Only a queued or running generation can be cancelled." });
        else {
          this.save({ ...g, status: "cancelled", replicate_status: g.prediction_id ? "canceled" : null, completed_at: new Date().toISOString() });
          result.done += 1;
        }
      } else fail("invalid_input", `Unknown bulk action ${String(action)}.`);
    }
    this.pump();
    return result;
  }

  private clearFinished(): number {
    let n = 0;
    for (const g of [...this.generations.values()]) {
      if (!FINISHED.includes(g.status) || !g.viewed) continue;
      this.generations.delete(g.id);
      this.emit({ type: "generation_removed", data: { id: g.id } });
      n += 1;
    }
    if (this.archive) n += this.archive.removeAll();
    this.seq += 1;
    this.emit({ type: "counters_changed", data: this.counters() });
    return n;
  }

  private batchMembers(batchId: string): Generation[] {
    return [...this.generations.values()].filter((g) => g.batch_id === batchId).sort((a, b) => -newestFirst(a, b));
  }

  /** A batch's members without those a later retry replaced. */
  private current(members: Generation[]): Generation[] {
    const replaced = new Set(members.map((g) => g.retried_from).filter(Boolean));
    return members.filter((g) => !replaced.has(g.id));
  }

  private batch(batchId: string): BatchSummary {
    const members = this.batchMembers(batchId);
    if (members.length === 0) fail("not_found", `No batch ${batchId}.`);
    const live = this.current(members);
    const count = (s: GenerationStatus) => live.filter((g) => g.status === s).length;
    return {
      batch_id: batchId,
      total: live.length,
      completed: count("completed"),
      failed: count("failed"),
      cancelled: count("cancelled"),
      active: live.filter((g) => isActive(g.status)).length,
      generations: members.map(summaryOf),
    };
  }

  /** Gives the pending generations priorities so that dispatch order is `order`. */
  private renumber(order: Generation[]): void {
    order.forEach((g, i) => {
      const priority = order.length - i;
      if (g.priority !== priority) this.save({ ...g, priority });
    });
  }

  private move(id: string, to: MoveTo): GenerationSummary {
    const g = this.mustGet(id);
    if (g.status !== "pending") fail("invalid_state", "Only a queued generation can be moved.");
    const order = this.dispatchList();
    const at = order.findIndex((x) => x.id === id);
    order.splice(at, 1);
    const dest = to === "top" || to === "next" ? 0 : to === "up" ? Math.max(0, at - 1) : Math.min(order.length, at + 1);
    order.splice(dest, 0, g);
    this.renumber(order);
    return summaryOf(this.mustGet(id));
  }

  private runTimeStats(): ModelRunTime[] {
    const byModel = new Map<string, number[]>();
    const done = [...this.generations.values()].filter((g) => g.status === "completed" && g.started_at && g.completed_at).sort((a, b) => (a.completed_at! < b.completed_at! ? 1 : -1));
    for (const g of done) {
      const list = byModel.get(g.model_name) ?? [];
      if (list.length < 20) list.push((Date.parse(g.completed_at!) - Date.parse(g.started_at!)) / 1000);
      byModel.set(g.model_name, list);
    }
    const stats: ModelRunTime[] = [...byModel].map(([model_name, secs]) => {
      const sorted = secs.sort((a, b) => a - b);
      return { model_name, median_seconds: sorted[Math.floor(sorted.length / 2)], samples: sorted.length };
    });
    if (this.archive) {
      for (const [model_name, median_seconds] of Object.entries(ARCHIVE_RUN_SECONDS)) {
        if (!byModel.has(model_name)) stats.push({ model_name, median_seconds, samples: 20 });
      }
    }
    return stats;
  }

  private mustToken(id: string): Token {
    return this.tokens.get(id) ?? fail("not_found", `No token ${id}.`);
  }

  private account(): Account {
    return { kind: "user", username: "ada", name: "Ada Lovelace", github_url: null };
  }

  private list(args: Commands["list_generations"]["args"]): GenerationSummary[] {
    const limit = typeof args.limit === "number" ? args.limit : 50;
    let all = [...this.generations.values()].sort(args.order === "dispatch" ? (a, b) => {
      // Queued ones in the order they will run, then the rest newest first.
      const pa = a.status === "pending";
      const pb = b.status === "pending";
      if (pa !== pb) return pa ? -1 : 1;
      return pa ? dispatchOrder(a, b) : newestFirst(a, b);
    } : newestFirst);
    const statuses = args.statuses;
    if (Array.isArray(statuses)) all = all.filter((g) => statuses.includes(g.status));
    if (args.unviewedOnly === true) all = all.filter((g) => !g.viewed);
    if (typeof args.before === "string") {
      const at = all.findIndex((g) => g.id === args.before);
      all = at === -1 ? [] : all.slice(at + 1);
    }
    return all.slice(0, limit).map(summaryOf);
  }

  private create(args: Commands["create_generation"]["args"]): GenerationSummary[] {
    const model = args.model;
    const prompts = Array.isArray(args.prompts) ? args.prompts.map((p) => p.trim()).filter(Boolean) : null;
    const list = prompts ?? [args.prompt];
    const count = typeof args.count === "number" ? args.count : 1;
    const input = args.input ?? {};
    if (![...this.tokens.values()].some((t) => t.active)) fail("no_token", "No usable Replicate token: add one or enable one on the Tokens page.");
    if (list.length === 0 || list.some((p) => p.trim() === "")) fail("empty_prompt", "Type a prompt first.");
    if (count < 1 || count > MAX_COUNT) fail("invalid_count", `The number of generations must be between 1 and ${MAX_COUNT}.`);
    if (list.length * count > MAX_BATCH) fail("invalid_count", `That would queue ${list.length * count} generations at once; the most is ${MAX_BATCH}.`);
    if (model.startsWith("nobody/")) fail("not_found", `Replicate has no model ${model}.`);
    const batchId = list.length * count > 1 ? `batch_${this.id("b")}` : null;
    const created: GenerationSummary[] = [];
    for (const prompt of list) {
      for (let i = 0; i < count; i++) created.push(summaryOf(this.save(this.newGeneration(model, prompt, input, { batch_id: batchId }))));
    }
    this.pump();
    return created;
  }

  private addToken(label: string, secret: string): { token: Token; account: Account } {
    if (!secret.startsWith("r8_")) fail("secret_malformed", "That does not look like a Replicate API token (they start with r8_).");
    if (secret.includes("bad")) fail("unauthorized", "Replicate refused this token (401 Unauthenticated). Check that it was copied whole and has not been revoked.");
    const token = this.saveToken(this.newToken(label || "Replicate", secret.slice(-4)));
    return { token, account: this.account() };
  }

  private modelForm(model: string): ModelForm {
    const path = model.split(":")[0];
    if (path.startsWith("nobody/")) fail("not_found", `Replicate has no model ${path}. Check the owner/name on replicate.com.`);
    const known = MODEL_FORMS[path] ?? genericForm();
    return { model: path, description: known.description || null, form: { fields: known.fields } };
  }
}

export { CommandError };
