import { describe, expect, it } from "vitest";
import type { Counters, GenerationSummary, QueueEvent } from "../bindings";
import { newestFirst } from "../lib/generation";
import { generationsReducer, initialGenerationsState, KEPT_ROWS, OVERLAY_TTL_MS, viewOf, type GenerationsAction, type GenerationsState } from "./generationsState";

const summary = (id: string, extra: Partial<GenerationSummary> = {}): GenerationSummary => ({
  id,
  model_name: "black-forest-labs/flux-schnell",
  status: "pending",
  created_at: `2026-01-01T00:00:${id.padStart(2, "0")}Z`,
  output_urls: [],
  output_files: [],
  prompt_excerpt: `prompt ${id}`,
  started_at: null,
  completed_at: null,
  viewed: false,
  progress: null,
  replicate_status: null,
  error: null,
  error_kind: null,
  wait_reason: null,
  next_attempt_at: null,
  priority: 0,
  batch_id: null,
  retried_from: null,
  creator: { member: null, machine: null },
  ...extra,
});
const counters = (seq: number, unviewed: number, active: number): Counters => ({ active, unviewed, pending: active, processing: 0, completed: 0, failed: 0, cancelled: 0, seq });
const ev = (event: QueueEvent, now = 0): GenerationsAction => ({ type: "event", event, now });
const run = (actions: GenerationsAction[], from: GenerationsState = initialGenerationsState) => actions.reduce(generationsReducer, from);
const view = (s: GenerationsState) => viewOf(s, newestFirst);

const loaded = run([{ type: "loaded", summaries: [], counters: counters(1, 0, 0), now: 0 }]);

describe("generationsReducer counters", () => {
  it("shows a new generation from its generation_changed event alone, counted by the counters that follow", () => {
    const row = run([ev({ type: "generation_changed", data: summary("1") })], loaded);
    expect(view(row).generations.map((g) => g.id)).toEqual(["1"]);
    expect(view(row).unviewedGenerations.map((g) => g.id)).toEqual(["1"]);
    const counted = run([ev({ type: "counters_changed", data: counters(2, 1, 1) })], row);
    expect(view(counted).unviewedCount).toBe(1);
    expect(view(counted).activeCount).toBe(1);
  });

  it("counts a created generation at once when its answer comes before its events; the row comes with the event", () => {
    const s = run([{ type: "created", summaries: [summary("1")], now: 0 }], loaded);
    expect(view(s).unviewedCount).toBe(1);
    expect(view(s).activeCount).toBe(1);
    expect(view(s).generations).toHaveLength(0);
    const after = run([ev({ type: "generation_changed", data: summary("1") }), ev({ type: "counters_changed", data: counters(2, 1, 1) })], s);
    expect(view(after).generations.map((g) => g.id)).toEqual(["1"]);
    expect(view(after).unviewedCount).toBe(1);
    expect(view(after).activeCount).toBe(1);
  });

  it("does not count twice when the events come before the create answer", () => {
    const s = run([ev({ type: "generation_changed", data: summary("1") }), ev({ type: "counters_changed", data: counters(2, 1, 1) }), { type: "created", summaries: [summary("1")], now: 0 }], loaded);
    expect(view(s).unviewedCount).toBe(1);
  });

  it("keeps an unconfirmed +1 across counters that predate the create", () => {
    const s = run([{ type: "created", summaries: [summary("1")], now: 0 }, ev({ type: "counters_changed", data: counters(2, 0, 0) }, 10)], loaded);
    expect(view(s).unviewedCount).toBe(1);
  });

  it("drops a stale adjustment after the TTL", () => {
    const s = run([{ type: "created", summaries: [summary("1")], now: 0 }, ev({ type: "counters_changed", data: counters(2, 0, 0) }, OVERLAY_TTL_MS + 1)], loaded);
    expect(view(s).unviewedCount).toBe(0);
  });

  it("marks viewed at once, −1, whatever the order of answer and events", () => {
    const base = run([ev({ type: "generation_changed", data: summary("1") }), ev({ type: "counters_changed", data: counters(2, 1, 1) })], loaded);
    const clicked = run([{ type: "viewed_locally", id: "1", now: 0 }], base);
    expect(view(clicked).unviewedCount).toBe(0);
    expect(view(clicked).unviewedGenerations).toHaveLength(0);
    const eventsFirst = run([ev({ type: "generation_changed", data: summary("1", { viewed: true }) }), ev({ type: "counters_changed", data: counters(3, 0, 1) }), { type: "summary_received", summary: summary("1", { viewed: true }) }], clicked);
    expect(view(eventsFirst).unviewedCount).toBe(0);
    const answerFirst = run([{ type: "summary_received", summary: summary("1", { viewed: true }) }, ev({ type: "generation_changed", data: summary("1", { viewed: true }) }), ev({ type: "counters_changed", data: counters(3, 0, 1) })], clicked);
    expect(view(answerFirst).unviewedCount).toBe(0);
  });

  it("puts the generation back when marking it viewed fails", () => {
    const base = run([ev({ type: "generation_changed", data: summary("1") }), ev({ type: "counters_changed", data: counters(2, 1, 1) })], loaded);
    const s = run([{ type: "viewed_locally", id: "1", now: 0 }, { type: "view_failed", id: "1" }], base);
    expect(view(s).unviewedCount).toBe(1);
    expect(view(s).unviewedGenerations.map((g) => g.id)).toEqual(["1"]);
  });

  it("ignores counters older than the ones it has", () => {
    const s = run([ev({ type: "counters_changed", data: counters(5, 3, 0) }), ev({ type: "counters_changed", data: counters(4, 9, 9) })], loaded);
    expect(view(s).unviewedCount).toBe(3);
  });

  it("removes a generation on generation_removed", () => {
    const s = run([ev({ type: "generation_changed", data: summary("1") }), ev({ type: "generation_removed", data: { id: "1" } })], loaded);
    expect(view(s).generations).toHaveLength(0);
  });

  it("lists newest first", () => {
    const s = run(["3", "1", "2"].map((id) => ev({ type: "generation_changed", data: summary(id) })), loaded);
    expect(view(s).generations.map((g) => g.id)).toEqual(["3", "2", "1"]);
  });

  it("keeps only what it shows: viewed rows leave, and at most the newest KEPT_ROWS unviewed stay", () => {
    const many = Array.from({ length: KEPT_ROWS + 30 }, (_, i) => ev({ type: "generation_changed", data: summary(String(i + 1), { created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }) }));
    const s = run(many, loaded);
    const ids = view(s).generations.map((g) => g.id);
    expect(ids).toHaveLength(KEPT_ROWS);
    expect(ids[0]).toBe(String(KEPT_ROWS + 30));
    expect(ids).not.toContain("1");
    const viewed = run([ev({ type: "generation_changed", data: summary(String(KEPT_ROWS + 30), { viewed: true, created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, KEPT_ROWS + 29)).toISOString() }) })], s);
    expect(Object.keys(viewed.byId)).toHaveLength(KEPT_ROWS - 1);
    expect(viewed.byId[String(KEPT_ROWS + 30)]).toBeUndefined();
    const allViewed = run([{ type: "all_viewed_locally", now: 0 }], s);
    expect(Object.keys(allViewed.byId)).toHaveLength(0);
  });
});

describe("generationsReducer on a team's database", () => {
  const by = (member: string) => ({ creator: { member, machine: `${member}-laptop` } });

  it("keeps only the member's own rows: another member's generation never enters the dropdown", () => {
    const team = run([{ type: "own", own: "ada" }, { type: "loaded", summaries: [summary("1", by("ada")), summary("2", by("bob"))], counters: counters(1, 1, 1), now: 0 }]);
    expect(view(team).unviewedGenerations.map((g) => g.id)).toEqual(["1"]);
    const after = run([ev({ type: "generation_changed", data: summary("3", by("bob")) }), ev({ type: "generation_changed", data: summary("4", by("ada")) })], team);
    expect(view(after).unviewedGenerations.map((g) => g.id)).toEqual(["4", "1"]);
  });

  it("keeps every row on the folder's own queue, whoever is named", () => {
    const own = run([{ type: "loaded", summaries: [summary("1", by("ada")), summary("2", by("bob"))], counters: counters(1, 2, 2), now: 0 }]);
    expect(view(own).unviewedGenerations.map((g) => g.id)).toEqual(["2", "1"]);
  });

  it("drops another member's rows kept before it knew who the user is", () => {
    const before = run([{ type: "loaded", summaries: [summary("1", by("ada")), summary("2", by("bob"))], counters: counters(1, 2, 2), now: 0 }]);
    const known = run([{ type: "own", own: "ada" }], before);
    expect(view(known).unviewedGenerations.map((g) => g.id)).toEqual(["1"]);
  });
});
