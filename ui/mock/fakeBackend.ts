// An in-memory stand-in for the Rust side: the commands of src/backend.ts,
// answered here, on the state, queue events and simulated Replicate of
// FakeStore (fakeStore.ts). Used by the Vitest suite and by the Playwright
// build (mock.html); never by the real app.
import type { Account, CommandName, Commands, Generation, GenerationStatus, GenerationSummary, QueueEvent, Token } from "../src/bindings";
import type { BatchSummary, BulkAction, BulkResult, HistoryPage, HistoryQuery, ModelForm, ModelRunTime, MoveTo, Scope } from "../src/bindings";
import type { ChatSeen, TelegramInfo, TelegramStatus } from "../src/bindings";
import { COMMANDS, MAX_BATCH, MAX_COUNT } from "../src/bindings";
import { OPEN_URL } from "../src/backend";
import { isActive } from "../src/lib/generation";
import { fakeImage } from "./fakeImages";
import { summaryOf } from "./summary";
import { ARCHIVE_RUN_SECONDS, matchesText } from "./archive";
import { genericForm, MODEL_FORMS, PRESETS } from "./modelForms";
import { getCollection, listCollections, MEDIA_FORMS, searchModels } from "./fakeMedia";
import { DATA_DIR, dispatchOrder, fail, FakeStore, FINISHED, newestFirst, type Args } from "./fakeStore";
import { badPriceLine, DEFAULT_SPEND, FAKE_SHIPPED, fakeEstimate, fakeGenerationSpend, fakeReport, fakeTotal } from "./fakeSpend";
import type { SpendSettings, SpendTotal, WaitCode } from "../src/bindings";
import { FakeTeam } from "./fakeTeam";
import { ARCHIVE_MEMBER, inScope, isOwnOf, membersOf, notOwnMessage } from "./fakePeople";

export { CommandError, DATA_DIR, type FakeOptions } from "./fakeStore";

/** An answer for every command of the generated list, typed by it. */
export type FakeCommands = {
  [K in CommandName]: (args: Commands[K]["args"]) => Commands[K]["result"] | Promise<Commands[K]["result"]>;
};

function isCommand(cmd: string): cmd is CommandName {
  return (COMMANDS as readonly string[]).includes(cmd);
}

/** The commands, answered from the state and the simulation of FakeStore. */
export class FakeBackend extends FakeStore {
  /** Telegram: whether a bot token is "in the keyring", who wrote to the bot, the relay's status, test messages sent. */
  telegram: { token: string | null; chats: ChatSeen[]; status: TelegramStatus; tests: string[] } = {
    token: null,
    chats: [{ id: "424242", kind: "private", name: "Ada (@ada)" }],
    status: { pending: 0, sent: 0, dropped: 0, retrying: null, last_failure: null },
    tests: [],
  };

  /** Settings → Team queue: the databases, the setting, the keyring's password (fakeTeam.ts). */
  team = new FakeTeam();

  /** Files another machine saved, kept in the team database (path → data URL): fetch_outputs brings them here. */
  remoteFiles = new Map<string, string>();

  override ownMember(): string | null {
    return this.team.active ? this.team.member : null;
  }

  /** Queue events waiting for the page (`take_queue_events`); null until it first takes. */
  private waitingEvents: QueueEvent[] | null = null;

  /** Keeps an event for the page; true when the page must be told (none waited). */
  queueEventWaits(event: QueueEvent): boolean {
    if (!this.waitingEvents) return false;
    this.waitingEvents.push(event);
    return this.waitingEvents.length === 1;
  }

  private telegramInfo(): TelegramInfo {
    return { token_set: this.telegram.token !== null, status: { ...this.telegram.status } };
  }

  // ---- the commands -------------------------------------------------------

  /**
   * The fake's answer to every command of the generated list (`Commands` in
   * bindings.ts, from src-tauri/src/ipc.rs): a command missing here, or one
   * taking other arguments or answering another type, does not compile.
   */
  readonly commands: FakeCommands = {
    app_info: () => ({ ...this.info, own_member: this.ownMember() }),
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
        if (g.viewed || !isOwnOf(g.creator, this.ownMember())) continue;
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
    history_members: () => membersOf([...this.generations.values()].map((g) => g.creator), this.archive !== null),
    bulk_generations: ({ ids, action, scope }) => this.bulk(ids, action, scope ?? "mine"),
    clear_finished: ({ scope }) => this.clearFinished(scope ?? "mine"),
    fetch_outputs: ({ id }) => {
      let fetched = 0;
      for (const f of this.mustGet(id).output_files) {
        const path = `${DATA_DIR}/${f}`;
        const remote = this.remoteFiles.get(path);
        if (this.files.has(path) || remote === undefined) continue;
        this.files.set(path, remote);
        fetched += 1;
      }
      return fetched > 0;
    },
    get_batch: ({ batchId }) => this.batch(batchId),
    cancel_batch: ({ batchId, scope }) => {
      let n = 0;
      for (const g of this.batchMembers(batchId)) {
        if (!isActive(g.status) || !inScope(g.creator, this.ownMember(), scope)) continue;
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
      if (next.telegram.chat_id !== null && !/^(-?\d+|@\w{4,64})$/.test(next.telegram.chat_id)) fail("invalid_settings", `the Telegram chat id "${next.telegram.chat_id}" is not a number or a channel's @name`);
      this.settings = { ...next };
      return { ...this.settings };
    },
    window_ready: () => null,
    take_queue_events: ({ first }) => {
      // As window_events.rs: events wait once the page listens; a first take gets none.
      const events = this.waitingEvents ?? [];
      this.waitingEvents = [];
      return first ? [] : events;
    },
    telegram_info: () => this.telegramInfo(),
    set_telegram_token: ({ token }) => {
      if (!/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/.test(token.trim())) fail("secret_malformed", "A bot token looks like 123456789:AAE… (the bot's number, a colon, then letters and digits): copy it from @BotFather.");
      this.telegram.token = token.trim();
      return this.telegramInfo();
    },
    remove_telegram_token: () => {
      this.telegram.token = null;
      return this.telegramInfo();
    },
    send_telegram_test: () => {
      if (this.telegram.token === null) fail("telegram", "No Telegram bot token is set; paste the one @BotFather gave in Settings → Telegram.");
      const chat = this.settings.telegram.chat_id;
      if (chat === null) fail("telegram", "No Telegram chat is set; write to your bot, then use “Find my chat”.");
      this.telegram.tests.push(chat!);
      return "@genqueue_demo_bot";
    },
    find_telegram_chats: () => {
      if (this.telegram.token === null) fail("telegram", "No Telegram bot token is set; paste the one @BotFather gave in Settings → Telegram.");
      return this.telegram.chats.map((c) => ({ ...c }));
    },
    dismiss_telegram_failure: () => {
      this.telegram.status = { ...this.telegram.status, last_failure: null };
      return null;
    },
    team_info: () => this.team.info(),
    test_team_connection: ({ databaseUrl, password }) => this.team.check(databaseUrl, password),
    join_team: ({ databaseUrl, password, member }) => this.team.join(databaseUrl, password, member),
    leave_team: () => this.team.leave(),
    list_tokens: () => [...this.tokens.values()],
    add_token: ({ label, secret }) => this.addToken(label, secret),
    tokens_here: () => [...this.tokens.keys()].filter((id) => !this.notHere.has(id)),
    remove_token: ({ id }) => {
      if (!this.tokens.delete(id)) fail("not_found", "No such token.");
      this.emit({ type: "token_removed", data: { id } });
      return null;
    },
    forget_token_here: ({ id }) => {
      if (this.ownMember() === null) fail("invalid_state", "this queue is this machine's own, so its tokens are too: remove the token instead");
      const t = this.mustToken(id);
      this.notHere.set(id, this.notHere.get(id) ?? "");
      return this.saveToken(t);
    },
    set_token_enabled: ({ id, enabled }) => {
      const t = this.mustToken(id);
      return this.saveToken({ ...t, active: enabled, disabled_reason: null, disabled_at: enabled ? null : new Date().toISOString() });
    },
    revalidate_token: ({ id }) => ({ token: this.mustToken(id), account: this.account(), joined: false }),
    list_presets: () => PRESETS,
    get_model_form: ({ model }) => {
      // As the queue reads schemas: only with a token whose secret is here (a team member may hold none).
      const active = [...this.tokens.values()].filter((t) => t.active);
      if (active.length > 0 && active.every((t) => this.notHere.has(t.id))) fail("no_token", "no usable Replicate token: add one, or enable one on the Tokens page");
      return this.modelForm(model);
    },
    search_models: ({ query }) => searchModels(query, (m) => this.cover(m)),
    list_collections: () => listCollections(),
    get_collection: ({ slug }) => getCollection(slug, (m) => this.cover(m)) ?? fail("not_found", `Replicate has no collection ${slug}.`),
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
    spend_report: ({ from, to }) => fakeReport([...this.generations.values()], this.tokens, this.spend, from ?? null, to ?? null),
    set_spend_settings: ({ settings }) => {
      const bad = badPriceLine(settings.prices);
      if (bad) fail("invalid_settings", bad);
      this.spend = { ...settings };
      this.emit({ type: "spend_changed" });
      return { ...this.spend };
    },
    shipped_prices: () => FAKE_SHIPPED,
    estimate_generation: ({ model, input, generations }) => fakeEstimate(model.split(":")[0], input ?? {}, generations),
    generation_spend: ({ ids }) => ids.flatMap((id) => (this.generations.has(id) ? [fakeGenerationSpend(this.mustGet(id))] : [])),
    history_spend: ({ query }) => this.historyTotal(query),
    batch_spend: ({ batchId }) => fakeTotal(this.batchMembers(batchId)),
  };

  /** Budgets and price lines (set_spend_settings). */
  spend: SpendSettings = { ...DEFAULT_SPEND };

  /** Holds the first pending generation (or a new one) for a budget, as the engine does. */
  holdForBudget(code: WaitCode, limitMicros: number): void {
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    let head = [...this.generations.values()].filter((g) => g.status === "pending").sort(dispatchOrder)[0];
    if (!head) head = this.create({ model: "black-forest-labs/flux-schnell", prompt: "Held by the budget", count: 3 }).map((s) => this.mustGet(s.id))[0];
    const dollars = `$${(limitMicros / 1e6).toFixed(2)}`;
    this.spend = { ...this.spend, daily_limit: limitMicros };
    this.save({ ...head, wait_reason: { code, until: tomorrow.toISOString(), detail: dollars } });
  }

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

  /** Whether a row passes the History filter `q` (not its cursor). */
  private historyKeep(q: Partial<HistoryQuery>) {
    const statuses = q.statuses ?? [];
    const from = q.from ? Date.parse(q.from) : -Infinity;
    const to = q.to ? Date.parse(q.to) : Infinity;
    // The archive's rows are all the fake user's ("ada").
    return (status: GenerationStatus, model: string, createdMs: number, prompt: () => string, member: string | null = "ada") =>
      (statuses.length === 0 || statuses.includes(status)) && (!q.model || q.model === model) && (!q.created_by || q.created_by === member) && createdMs >= from && createdMs <= to && matchesText(prompt(), q.text ?? null);
  }

  /** What every generation of the History filter `q` cost, all pages (history_spend). */
  private historyTotal(q: Partial<HistoryQuery>): SpendTotal {
    const keep = this.historyKeep(q);
    const live = fakeTotal([...this.generations.values()].filter((g) => keep(g.status, g.model_name, Date.parse(g.created_at), () => g.prompt, g.creator.member)));
    const arc = this.archive;
    if (!arc) return live;
    // The archive's rows are finished and their costs fixed: its part is
    // summed once per filter and deletion count, not at every refresh (100,000
    // rows built every 2 s starved the page's frames on a loaded machine).
    const key = `${JSON.stringify(q)}|${arc.gone.size}`;
    if (this.archiveTotal?.key !== key) {
      const rows: Generation[] = [];
      for (let i = 0; i < arc.size; i++) if (arc.has(i) && keep(arc.status(i), arc.model(i), arc.createdMs(i), () => arc.prompt(i))) rows.push(this.find(arc.id(i))!);
      this.archiveTotal = { key, total: fakeTotal(rows) };
    }
    const a = this.archiveTotal.total;
    return { generations: live.generations + a.generations, spent: live.spent + a.spent, estimated: live.estimated + a.estimated, unknown: live.unknown + a.unknown };
  }
  private archiveTotal: { key: string; total: SpendTotal } | null = null;

  private listHistory(q: Partial<HistoryQuery>): HistoryPage | Promise<HistoryPage> {
    const limit = Math.min(500, Math.max(1, q.limit ?? 100));
    const from = q.from ? Date.parse(q.from) : -Infinity;
    const to = q.to ? Date.parse(q.to) : Infinity;
    const keep = this.historyKeep(q);
    const live = [...this.generations.values()].sort(newestFirst).filter((g) => keep(g.status, g.model_name, Date.parse(g.created_at), () => g.prompt, g.creator.member));
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

  private bulk(ids: string[], action: BulkAction, scope: Scope): BulkResult {
    const result: BulkResult = { done: 0, failed: [] };
    for (const id of ids) {
      const g = this.find(id);
      if (!g) {
        result.failed.push({ id, message: `No generation ${id}.` });
        continue;
      }
      if (!inScope(g.creator, this.ownMember(), scope)) {
        result.failed.push({ id, message: notOwnMessage(g.creator) });
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

  private clearFinished(scope: Scope): number {
    let n = 0;
    for (const g of [...this.generations.values()]) {
      if (!FINISHED.includes(g.status) || !g.viewed || !inScope(g.creator, this.ownMember(), scope)) continue;
      this.generations.delete(g.id);
      this.emit({ type: "generation_removed", data: { id: g.id } });
      n += 1;
    }
    if (this.archive && inScope({ member: ARCHIVE_MEMBER, machine: null }, this.ownMember(), scope)) n += this.archive.removeAll();
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
    if (args.mine === true) all = all.filter((g) => isOwnOf(g.creator, this.ownMember()));
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
    const run = args.deadlines?.run_deadline_secs;
    if (run != null && (run < 5 || run > 86400)) fail("invalid_input", `a run deadline must be 5 s to 24 h, not ${run} s`);
    const batchId = list.length * count > 1 ? `batch_${this.id("b")}` : null;
    const created: GenerationSummary[] = [];
    for (const prompt of list) {
      for (let i = 0; i < count; i++) created.push(summaryOf(this.save(this.newGeneration(model, prompt, input, { batch_id: batchId, deadlines: args.deadlines ?? { start_deadline_secs: null, run_deadline_secs: null } }))));
    }
    this.pump();
    return created;
  }

  private addToken(label: string, secret: string): { token: Token; account: Account; joined: boolean } {
    if (!secret.startsWith("r8_")) fail("secret_malformed", "That does not look like a Replicate API token (they start with r8_).");
    if (secret.includes("bad")) fail("unauthorized", "Replicate refused this token (401 Unauthenticated). Check that it was copied whole and has not been revoked.");
    // The same secret as a team member's token: join its row, as the Rust side does by the secret's hash.
    const team = [...this.notHere].find(([, s]) => s === secret);
    if (team) {
      this.notHere.delete(team[0]);
      return { token: this.saveToken(this.mustToken(team[0])), account: this.account(), joined: true };
    }
    const token = this.saveToken(this.newToken(label || "Replicate", secret.slice(-4)));
    return { token, account: this.account(), joined: false };
  }

  private readonly covers = new Map<string, string>();

  /** A model's cover picture (drawn once from its name). */
  private cover(model: string): string {
    const key = `cover:${model}`;
    let url = this.covers.get(key);
    if (!url) {
      url = fakeImage(model, 96, 96);
      this.covers.set(key, url);
    }
    return url;
  }

  private modelForm(model: string): ModelForm {
    const path = model.split(":")[0];
    if (path.startsWith("nobody/")) fail("not_found", `Replicate has no model ${path}. Check the owner/name on replicate.com.`);
    const known = MODEL_FORMS[path] ?? MEDIA_FORMS[path] ?? genericForm();
    return { model: path, description: known.description || null, form: { fields: known.fields } };
  }
}
