// An in-memory stand-in for the Rust side: the commands of src/backend.ts,
// the queue events, and a little simulated Replicate (pending → processing
// with progress → completed with pictures, or failed). Used by the Vitest
// suite and by the Playwright build (mock.html); never by the real app.
import type { Account, AppInfo, Counters, ErrorPayload, Generation, GenerationSummary, QueueEvent, Token } from "../src/bindings";
import { excerpt, toSummary } from "../src/lib/generation";
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

class CommandError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
  }
}
const fail = (code: string, message: string): never => {
  throw new CommandError({ code, message });
};

type Args = Record<string, unknown>;

export class FakeBackend {
  info: AppInfo = { version: "0.1.0", data_dir: DATA_DIR, demo: false, api_base: "https://api.replicate.com/v1", paused: false, engine_running: true };
  generations = new Map<string, Generation>();
  tokens = new Map<string, Token>();
  files = new Map<string, string>();
  calls: { cmd: string; args: Args }[] = [];
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
    return c;
  }

  /** Stores a change and emits it the way the Rust side does: the row, then the counters. */
  save(g: Generation): Generation {
    g.updated_at = new Date().toISOString();
    this.generations.set(g.id, g);
    this.seq += 1;
    this.emit({ type: "generation_changed", data: toSummary(g) });
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

  private run(id: string): void {
    const step = this.options.stepMs ?? 400;
    const failing = this.generations.get(id)?.prompt.toLowerCase().includes("fail") ?? false;
    this.later(step * 1.5, () => this.start(id));
    for (let i = 1; i <= 8; i++) {
      this.later(step * (1.5 + i), () => {
        if (failing && i === 4) this.failGeneration(id);
        else this.progress(id, Math.round((i / 8) * 100));
      });
    }
    this.later(step * 10, () => this.complete(id));
  }

  // ---- the commands -------------------------------------------------------

  handle(cmd: string, args: Args = {}): unknown {
    this.calls.push({ cmd, args });
    switch (cmd) {
      case "app_info":
        return { ...this.info };
      case "get_counters":
        return this.counters();
      case "list_generations":
        return this.list(args);
      case "get_generation":
        return { ...this.mustGet(String(args.id)) };
      case "create_generation":
        return this.create(args);
      case "mark_viewed": {
        const g = this.mustGet(String(args.id));
        if (!g.viewed) this.save({ ...g, viewed: true, viewed_at: new Date().toISOString() });
        return toSummary(this.mustGet(g.id));
      }
      case "mark_all_viewed": {
        let n = 0;
        for (const g of [...this.generations.values()]) {
          if (g.viewed) continue;
          n += 1;
          this.save({ ...g, viewed: true, viewed_at: new Date().toISOString() });
        }
        return n;
      }
      case "cancel_generation": {
        const g = this.mustGet(String(args.id));
        if (g.status !== "pending" && g.status !== "processing") fail("not_active", "Only a queued or running generation can be cancelled.");
        return { ...this.save({ ...g, status: "cancelled", replicate_status: g.prediction_id ? "canceled" : null, completed_at: new Date().toISOString() }) };
      }
      case "retry_generation": {
        const g = this.mustGet(String(args.id));
        const again = this.save(this.newGeneration(`${g.model_name}${g.model.version ? `:${g.model.version}` : ""}`, g.prompt, g.settings, { retried_from: g.id }));
        if (this.options.clock !== "manual") this.run(again.id);
        return { ...again };
      }
      case "delete_generation": {
        const id = String(args.id);
        this.mustGet(id);
        this.generations.delete(id);
        this.seq += 1;
        this.emit({ type: "generation_removed", data: { id } });
        this.emit({ type: "counters_changed", data: this.counters() });
        return null;
      }
      case "pause_queue":
      case "resume_queue":
        this.info.paused = cmd === "pause_queue";
        this.emit({ type: "queue_changed", data: { paused: this.info.paused } });
        return null;
      case "list_tokens":
        return [...this.tokens.values()];
      case "add_token":
        return this.addToken(String(args.label ?? ""), String(args.secret ?? ""));
      case "remove_token": {
        const id = String(args.id);
        if (!this.tokens.delete(id)) fail("not_found", "No such token.");
        this.emit({ type: "token_removed", data: { id } });
        return null;
      }
      case "set_token_enabled": {
        const t = this.mustToken(String(args.id));
        const enabled = args.enabled === true;
        return this.saveToken({ ...t, active: enabled, disabled_reason: null, disabled_at: enabled ? null : new Date().toISOString() });
      }
      case "revalidate_token": {
        const t = this.mustToken(String(args.id));
        return { token: t, account: this.account() };
      }
      case "list_presets":
        return PRESETS;
      case "get_model_form":
        return this.modelForm(String(args.model ?? ""));
      case "start_demo":
        this.info = { ...this.info, demo: true, api_base: "http://127.0.0.1:47411/v1" };
        for (const label of ["Demo token 1", "Demo token 2", "Demo token 3"]) this.saveToken(this.newToken(label, `dem${label.slice(-1)}`));
        return { ...this.info };
      case "open_output_folder":
        this.mustGet(String(args.id));
        return null;
      case "save_output_as":
        return `/home/ada/Pictures/${String(args.id)}-${String(args.index)}.webp`;
      case "plugin:opener|open_url":
        return null;
      default:
        return fail("unknown_command", `The fake backend has no command ${cmd}.`);
    }
  }

  private mustGet(id: string): Generation {
    return this.generations.get(id) ?? fail("not_found", `No generation ${id}.`);
  }

  private mustToken(id: string): Token {
    return this.tokens.get(id) ?? fail("not_found", `No token ${id}.`);
  }

  private account(): Account {
    return { kind: "user", username: "ada", name: "Ada Lovelace", github_url: null };
  }

  private list(args: Args): GenerationSummary[] {
    const limit = typeof args.limit === "number" ? args.limit : 50;
    let all = [...this.generations.values()].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
    if (Array.isArray(args.statuses)) all = all.filter((g) => (args.statuses as string[]).includes(g.status));
    if (args.unviewedOnly === true) all = all.filter((g) => !g.viewed);
    if (typeof args.before === "string") {
      const at = all.findIndex((g) => g.id === args.before);
      all = at === -1 ? [] : all.slice(at + 1);
    }
    return all.slice(0, limit).map(toSummary);
  }

  private create(args: Args): Generation[] {
    const model = String(args.model ?? "");
    const prompt = String(args.prompt ?? "");
    const count = typeof args.count === "number" ? args.count : 1;
    const input = (args.input ?? {}) as Args;
    if (![...this.tokens.values()].some((t) => t.active)) fail("no_token", "No usable Replicate token: add one or enable one on the Tokens page.");
    if (prompt.trim() === "") fail("invalid_input", "The prompt is empty.");
    if (model.startsWith("nobody/")) fail("model_not_found", `Replicate has no model ${model}.`);
    const created: Generation[] = [];
    for (let i = 0; i < count; i++) {
      const g = this.save(this.newGeneration(model, prompt, input));
      created.push({ ...g });
      if (this.options.clock !== "manual") this.run(g.id);
    }
    return created;
  }

  private addToken(label: string, secret: string): { token: Token; account: Account } {
    if (!secret.startsWith("r8_")) fail("invalid_token", "That does not look like a Replicate API token (they start with r8_).");
    if (secret.includes("bad")) fail("token_rejected", "Replicate refused this token (401 Unauthenticated). Check that it was copied whole and has not been revoked.");
    const token = this.saveToken(this.newToken(label || "Replicate", secret.slice(-4)));
    return { token, account: this.account() };
  }

  private modelForm(model: string) {
    const path = model.split(":")[0];
    if (path.startsWith("nobody/")) fail("model_not_found", `Replicate has no model ${path}. Check the owner/name on replicate.com.`);
    const known = MODEL_FORMS[path] ?? genericForm();
    return { model: path, description: known.description || null, form: { fields: known.fields } };
  }
}

export { CommandError, excerpt };
