// The fake backend's state and what moves it: the generations, tokens and
// files the fake holds, the queue events it emits, the data builders, and a
// little simulated Replicate (pending → processing with progress →
// completed with pictures, or failed). The commands on top of it are
// FakeBackend's (fakeBackend.ts).
import type { AppInfo, Counters, ErrorCode, ErrorPayload, Generation, GenerationStatus, QueueEvent, Settings, Token } from "../src/bindings";
import { posterFile } from "../src/lib/outputs";
import { mediaOutputs } from "./fakeMedia";
import { summaryOf } from "./summary";
import { Archive } from "./archive";
import { fakeImage } from "./fakeImages";
import { ARCHIVE_MEMBER } from "./fakePeople";

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

export const FINISHED: readonly GenerationStatus[] = ["completed", "failed", "cancelled"];

/** Newest first, ties by id (the order of list_generations and list_history). */
export function newestFirst(a: Generation, b: Generation): number {
  return a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1;
}

/** Dispatch order: higher priority first, then older first. */
export function dispatchOrder(a: Generation, b: Generation): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1;
}

export class CommandError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
  }
}
export const fail = (code: ErrorCode, message: string): never => {
  throw new CommandError({ code, message });
};

export type Args = Record<string, unknown>;

/** The state FakeBackend answers the commands from; tests and scenarios reach into it. */
export class FakeStore {
  info: AppInfo = { version: "0.1.0", data_dir: DATA_DIR, demo: false, api_base: "https://api.replicate.com/v1", paused: false, engine_running: true, own_member: null };
  generations = new Map<string, Generation>();
  tokens = new Map<string, Token>();
  /** A team's tokens whose secret is not "in this machine's keyring": id → the secret that joins it. */
  notHere = new Map<string, string>();
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
    start_deadline_minutes: 15,
    telegram: { chat_id: null, send_completed: true, send_failed: true, send_queue_finished: true, api_base: null },
  };
  /** A long finished history behind the live generations (scenario "history"). */
  archive: Archive | null = null;
  /** Milliseconds each list_history answer waits (a slow store), 0 = at once. */
  historyDelayMs = 0;
  private thumbs = new Map<string, string>();
  protected seq = 0;
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

  protected later(ms: number, fn: () => void): void {
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

  /** The member whose generations are one's own (a team's database); null: all are. */
  ownMember(): string | null {
    return null;
  }

  /** The user's own counters (on a team's database the member's, as the Rust side's). */
  counters(): Counters {
    const c: Counters = { active: 0, unviewed: 0, pending: 0, processing: 0, completed: 0, failed: 0, cancelled: 0, seq: this.seq };
    const own = this.ownMember();
    for (const g of this.generations.values()) {
      if (own !== null && g.creator.member !== own) continue;
      c[g.status] += 1;
      if (g.status === "pending" || g.status === "processing") c.active += 1;
      if (!g.viewed) c.unviewed += 1;
    }
    if (this.archive && (own === null || own === ARCHIVE_MEMBER)) {
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
      deadlines: { start_deadline_secs: null, run_deadline_secs: null },
      creator: { member: "ada", machine: "ada-laptop" },
      ...extra,
    };
  }

  /** Writes the output pictures of `g` (data URLs standing in for files). */
  writeOutputs(g: Generation): void {
    const n = typeof g.input.num_outputs === "number" ? g.input.num_outputs : 1;
    g.output_files = [];
    g.output_urls = [];
    const media = mediaOutputs(g.model_name, g.prompt);
    if (media) {
      for (const { name, url, poster } of media) {
        const rel = `outputs/${g.id}/${name}`;
        this.files.set(`${DATA_DIR}/${rel}`, url);
        // Beside the video, not an output (as the engine keeps it).
        if (poster) this.files.set(`${DATA_DIR}/${posterFile(rel)}`, poster);
        this.options.onFile?.(`${DATA_DIR}/${rel}`, url);
        g.output_files.push(rel);
        if (!name.endsWith(".txt")) g.output_urls.push(`https://replicate.delivery/xezq/${g.id}/${name}`);
      }
      return;
    }
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

  // ---- finding and removing ---------------------------------------------

  /** A live generation, or a row of the archive (built on demand). */
  find(id: string): Generation | undefined {
    const live = this.generations.get(id);
    if (live || !this.archive) return live;
    const i = this.archive.indexOf(id);
    return i !== null && this.archive.has(i) ? this.archive.generation(i, (m, p, input, extra) => this.newGeneration(m, p, input, extra)) : undefined;
  }

  protected mustGet(id: string): Generation {
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

  protected remove(id: string): void {
    const i = this.archive?.indexOf(id) ?? null;
    if (i !== null && !this.generations.has(id)) this.archive?.remove(i);
    else this.generations.delete(id);
    this.seq += 1;
    this.emit({ type: "generation_removed", data: { id } });
    this.emit({ type: "counters_changed", data: this.counters() });
  }

  protected retry(g: Generation): Generation {
    const again = this.save(this.newGeneration(`${g.model_name}${g.model.version ? `:${g.model.version}` : ""}`, g.prompt, g.settings, { retried_from: g.id, batch_id: g.batch_id }));
    return { ...again };
  }

  protected mustToken(id: string): Token {
    return this.tokens.get(id) ?? fail("not_found", `No token ${id}.`);
  }
}
