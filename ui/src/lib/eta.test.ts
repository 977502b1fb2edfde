import { describe, expect, it } from "vitest";
import type { GenerationSummary } from "../bindings";
import { modelRuns } from "../context/QueueContext";
import { computeEta, medianMs } from "./eta";

const NOW = Date.parse("2025-03-01T12:00:00Z");
const g = (id: string, model: string, extra: Partial<GenerationSummary> = {}): GenerationSummary => ({
  id,
  model_name: model,
  status: "pending",
  created_at: new Date(NOW - 60_000).toISOString(),
  output_urls: [],
  output_files: [],
  prompt_excerpt: id,
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
const running = (id: string, model: string, ranMs: number, progress: number | null = null) =>
  g(id, model, { status: "processing", started_at: new Date(NOW - ranMs).toISOString(), progress });
const stats = [
  { model_name: "a/fast", median_seconds: 2, samples: 20 },
  { model_name: "a/slow", median_seconds: 10, samples: 20 },
];

describe("computeEta", () => {
  it("running ones: the model's median minus the time run, or the progress rate", () => {
    const eta = computeEta({ processing: [running("r1", "a/slow", 4000), running("r2", "a/slow", 6000, 75)], pending: [], stats, slots: 2, paused: false, now: NOW });
    expect(eta.byId.get("r1")).toEqual({ startsIn: 0, doneIn: 6000 });
    expect(eta.byId.get("r2")?.doneIn).toBe(2000); // 6 s for 75 % → 2 s more
    expect(eta.totalMs).toBe(6000);
    expect(eta.freeSlots).toBe(0);
  });

  it("queued ones take the earliest free slot in dispatch order", () => {
    const eta = computeEta({ processing: [running("r1", "a/slow", 4000)], pending: [g("p1", "a/fast"), g("p2", "a/slow"), g("p3", "a/fast")], stats, slots: 2, paused: false, now: NOW });
    expect(eta.byId.get("p1")).toEqual({ startsIn: 0, doneIn: 2000 }); // the free slot
    expect(eta.byId.get("p2")).toEqual({ startsIn: 2000, doneIn: 12000 }); // after p1
    expect(eta.byId.get("p3")).toEqual({ startsIn: 6000, doneIn: 8000 }); // after r1
    expect(eta.totalMs).toBe(12000);
    expect(eta.freeSlots).toBe(1);
  });

  it("more slots, sooner; an unknown model takes the median of the known ones", () => {
    const pending = [g("p1", "a/slow"), g("p2", "a/slow"), g("p3", "x/new")];
    expect(computeEta({ processing: [], pending, stats, slots: 1, paused: false, now: NOW }).totalMs).toBe(30000);
    expect(computeEta({ processing: [], pending, stats, slots: 3, paused: false, now: NOW }).totalMs).toBe(10000);
    expect(medianMs(stats)("x/new")).toBe(10000);
    expect(medianMs([])("x/new")).toBe(20000);
  });

  it("paused: no whole-queue estimate while anything is queued; nothing active → none", () => {
    expect(computeEta({ processing: [], pending: [g("p1", "a/fast")], stats, slots: 2, paused: true, now: NOW }).totalMs).toBeNull();
    expect(computeEta({ processing: [], pending: [], stats, slots: 2, paused: false, now: NOW }).totalMs).toBeNull();
  });

  it("queued ones as runs of one model give the same whole-queue figure as the list, and no per-generation ETAs", () => {
    const pending = [g("p1", "a/fast"), g("p2", "a/fast"), g("p3", "a/slow"), g("p4", "a/fast")];
    const queued = modelRuns(pending.map((p) => p.model_name));
    expect(queued).toEqual([
      { model_name: "a/fast", count: 2 },
      { model_name: "a/slow", count: 1 },
      { model_name: "a/fast", count: 1 },
    ]);
    const processing = [running("r1", "a/slow", 4000)];
    const byList = computeEta({ processing, pending, stats, slots: 2, paused: false, now: NOW });
    const byRuns = computeEta({ processing, pending: [], queued, stats, slots: 2, paused: false, now: NOW });
    expect(byRuns.totalMs).toBe(byList.totalMs);
    expect(byRuns.totalMs).toBe(14000); // p3 (slow) after p1 and p2 on the free slot
    expect(byRuns.byId.has("p1")).toBe(false);
    expect(byRuns.byId.get("r1")).toEqual({ startsIn: 0, doneIn: 6000 });
    expect(computeEta({ processing: [], pending: [], queued, stats, slots: 2, paused: true, now: NOW }).totalMs).toBeNull();
  });
});
