import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { backend } from "../backend";
import { fakeBackend, settle } from "../test-utils";
import { GenerationsProvider, useGenerations } from "./GenerationsContext";

const wrapper = ({ children }: { children: ReactNode }) => <GenerationsProvider>{children}</GenerationsProvider>;

async function mounted() {
  const hook = renderHook(() => useGenerations(), { wrapper });
  await settle();
  return hook;
}

describe("GenerationsContext / useGenerations", () => {
  it("loads once: the counters and the unviewed generations (what it shows; viewed ones are not kept)", async () => {
    const fake = fakeBackend("ready");
    const { result } = await mounted();
    expect(result.current.loaded).toBe(true);
    expect(result.current.unviewedCount).toBe(5);
    expect(result.current.activeCount).toBe(2);
    expect(result.current.generations).toHaveLength(5);
    expect(result.current.unviewedGenerations.map((g) => g.prompt_excerpt.split(" ")[0])).toEqual(["Neon", "Isometric", "A", "Desert", "Misty"]);
    // Besides taking the events it is told of (take_queue_events), nothing.
    expect(fake.calls.map((c) => c.cmd).filter((c) => c !== "take_queue_events").sort()).toEqual(["get_counters", "list_generations"]);
  });

  it("goes +1 the moment a generation is created, before any event; the row comes with the event", async () => {
    const fake = fakeBackend("empty", { eventDelayMs: 60_000 });
    const { result } = await mounted();
    expect(result.current.unviewedCount).toBe(0);
    const created = await backend.createGeneration({ model: "black-forest-labs/flux-schnell", prompt: "a cat", input: {}, count: 2 });
    act(() => result.current.noteCreated(created));
    expect(result.current.unviewedCount).toBe(2);
    expect(result.current.activeCount).toBe(2);
    expect(result.current.unviewedGenerations).toHaveLength(0);
    fake.stop();
  });

  it("shows a created generation from its event alone, +1 with the counters", async () => {
    const fake = fakeBackend("empty", { eventDelayMs: 50 });
    const { result } = await mounted();
    expect(result.current.unviewedCount).toBe(0);
    const created = await backend.createGeneration({ model: "black-forest-labs/flux-schnell", prompt: "a cat", input: {}, count: 2 });
    expect(created.map((s) => s.prompt_excerpt)).toEqual(["a cat", "a cat"]);
    // The answer is not added to the list: until the events arrive, nothing shows.
    expect(result.current.generations).toHaveLength(0);
    await act(() => new Promise((resolve) => setTimeout(resolve, 200)));
    expect(result.current.generations.map((g) => g.id).sort()).toEqual(created.map((s) => s.id).sort());
    expect(result.current.unviewedCount).toBe(2);
    expect(result.current.activeCount).toBe(2);
    expect(result.current.unviewedGenerations[0].prompt_excerpt).toBe("a cat");
    fake.stop();
  });

  it("goes −1 on markAsViewed and tells the backend", async () => {
    const fake = fakeBackend("ready");
    const { result } = await mounted();
    const id = result.current.unviewedGenerations[2].id;
    await act(() => result.current.markAsViewed(id));
    expect(result.current.unviewedCount).toBe(4);
    expect(result.current.unviewedGenerations.map((g) => g.id)).not.toContain(id);
    expect(fake.generations.get(id)?.viewed).toBe(true);
    await settle();
    expect(result.current.unviewedCount).toBe(4);
  });

  it("follows events: progress, completion, new generations, removal — without polling", async () => {
    const fake = fakeBackend("ready");
    const { result } = await mounted();
    const callsAfterLoad = fake.calls.length;
    act(() => fake.progress("gen_0006", 70));
    await settle(); // the event is taken (take_queue_events) when told
    expect(result.current.generations.find((g) => g.id === "gen_0006")?.progress).toBe(70);
    act(() => fake.complete("gen_0006"));
    await settle();
    expect(result.current.generations.find((g) => g.id === "gen_0006")?.status).toBe("completed");
    expect(result.current.activeCount).toBe(1);
    act(() => {
      fake.save(fake.newGeneration("stability-ai/sdxl", "made by genq", {}));
    });
    await settle();
    expect(result.current.unviewedCount).toBe(6);
    await act(() => backend.deleteGeneration("gen_0001"));
    await settle();
    expect(result.current.generations.some((g) => g.id === "gen_0001")).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    // No reads but the events' takes: no polling.
    expect(fake.calls.slice(callsAfterLoad).map((c) => c.cmd).filter((c) => c !== "take_queue_events")).toEqual(["delete_generation"]);
  });

  it("mark all viewed hides the counter", async () => {
    fakeBackend("ready");
    const { result } = await mounted();
    await act(() => result.current.markAllViewed());
    expect(result.current.unviewedCount).toBe(0);
    expect(result.current.unviewedGenerations).toHaveLength(0);
  });
});
