import { act, render, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { backend } from "../backend";
import { fakeBackend, settle } from "../test-utils";
import { QueueProvider, useQueue, useQueueOrder, type QueueContextValue } from "./QueueContext";

const wrapper = ({ children }: { children: ReactNode }) => <QueueProvider>{children}</QueueProvider>;
const MODEL = "black-forest-labs/flux-schnell";

/** Dispatch-order reads of the queued generations since `from`. */
const orderReads = (fake: ReturnType<typeof fakeBackend>, from = 0) =>
  fake.calls.slice(from).filter((c) => c.cmd === "list_generations" && (c.args as { order?: string }).order === "dispatch").length;

/** Queues `n` generations one create at a time, the events delivered after each. */
async function queue(n: number) {
  for (let i = 0; i < n; i++) {
    await backend.createGeneration({ model: MODEL, prompt: `queued ${i}`, input: {}, count: 1 });
    await act(() => new Promise((resolve) => setTimeout(resolve, 200)));
  }
}

describe("QueueContext", () => {
  it("on a page that shows no queue list, counts new queued generations from their events without reading the queue again", async () => {
    const fake = fakeBackend("empty", { eventDelayMs: 10 });
    await backend.pauseQueue(); // created ones stay queued
    const { result } = renderHook(() => useQueue(), { wrapper });
    await settle();
    const after = fake.calls.length;
    await queue(4);
    expect(result.current.queuedCount).toBe(4);
    expect(result.current.queued).toEqual([{ model_name: MODEL, count: 4 }]);
    // Nothing keeps the summaries: the list stays empty and is not read again.
    expect(result.current.pending).toEqual([]);
    expect(result.current.ordered).toBe(false);
    expect(orderReads(fake, after)).toBe(0);
    fake.stop();
  }, 20_000);

  it("the Queue page keeps them in dispatch order while it is open, and drops them when it closes", async () => {
    const fake = fakeBackend("empty", { eventDelayMs: 10 });
    await backend.pauseQueue();
    // The provider, what every page sees (seen), and the Queue page while `page`.
    const seen: { current: QueueContextValue | null } = { current: null };
    const Probe = () => {
      seen.current = useQueue();
      return null;
    };
    const QueuePage = () => {
      useQueueOrder();
      return null;
    };
    const tree = (page: boolean) => (
      <QueueProvider>
        <Probe />
        {page && <QueuePage />}
      </QueueProvider>
    );
    const view = render(tree(true));
    await settle();
    const q = () => seen.current!;
    expect(q().ordered).toBe(true);
    const before = orderReads(fake);
    await queue(3);
    expect(q().pending.map((g) => g.prompt_excerpt)).toEqual(["queued 0", "queued 1", "queued 2"]);
    expect(orderReads(fake)).toBeGreaterThan(before);
    // Cancelled: gone from both the list and the count, without another read.
    const reads = orderReads(fake);
    await backend.cancelGeneration(q().pending[1].id);
    await act(() => new Promise((resolve) => setTimeout(resolve, 200)));
    expect(q().pending.map((g) => g.prompt_excerpt)).toEqual(["queued 0", "queued 2"]);
    expect(q().queuedCount).toBe(2);
    expect(orderReads(fake)).toBe(reads);
    // The page closes: the list is dropped, the count stays.
    view.rerender(tree(false));
    await settle();
    expect(q().pending).toEqual([]);
    expect(q().ordered).toBe(false);
    expect(q().queuedCount).toBe(2);
    fake.stop();
  }, 20_000);
});
