import { waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeBackend } from "./test-utils";
import { backend, BackendError, fileUrl, isAbsolutePath, joinDataPath, onQueueEvent, toBackendError } from "./backend";
import type { QueueEvent } from "./bindings";

describe("backend", () => {
  it("turns a command's {code, message} into a BackendError", async () => {
    fakeBackend("empty");
    const error = await backend.addToken("x", "r8_bad_bad_bad_bad_bad_bad").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "unauthorized", message: expect.stringContaining("Replicate refused") });
  });

  it("keeps strings and unknown rejections readable", () => {
    expect(toBackendError("boom")).toMatchObject({ code: "internal", message: "boom" });
    expect(toBackendError(42)).toMatchObject({ code: "internal", message: "Something went wrong." });
  });

  it("joins data-dir paths for either separator", () => {
    expect(joinDataPath("/data/app", "outputs/g1/0.webp")).toBe("/data/app/outputs/g1/0.webp");
    expect(joinDataPath("/data/app/", "outputs/g1/0.webp")).toBe("/data/app/outputs/g1/0.webp");
    expect(joinDataPath("C:\\Users\\ada\\AppData\\genqueue", "outputs/g1/0.webp")).toBe("C:\\Users\\ada\\AppData\\genqueue\\outputs\\g1\\0.webp");
  });

  it("tells absolute paths (an output folder outside the data dir) from relative ones", () => {
    expect(isAbsolutePath("/home/ada/Pictures/genqueue/g1/0.webp")).toBe(true);
    expect(isAbsolutePath("D:\\Pictures\\g1\\0.webp")).toBe(true);
    expect(isAbsolutePath("\\\\nas\\share\\0.webp")).toBe(true);
    expect(isAbsolutePath("outputs/g1/0.webp")).toBe(false);
  });

  it("makes file URLs through convertFileSrc once the data dir is known", async () => {
    const fake = fakeBackend("ready");
    await backend.appInfo();
    const rel = fake.generations.get("gen_0003")!.output_files[0];
    expect(fileUrl(rel)).toMatch(/^data:image\//);
  });

  it("takes the waiting queue events when told, hands each to every listener in order, and none after it stops", async () => {
    const fake = fakeBackend("ready");
    const [a, b] = [...fake.generations.values()].map((g) => g.id);
    const seen: string[] = [];
    const also: string[] = [];
    const name = (e: QueueEvent) => (e.type === "generation_removed" ? e.data.id : e.type);
    const stop = onQueueEvent((e) => seen.push(name(e)));
    const stopAlso = onQueueEvent((e) => also.push(name(e)));
    // The page's first take: from then on events wait for it.
    await waitFor(() => expect(fake.calls.some((c) => c.cmd === "take_queue_events")).toBe(true));
    const batch: QueueEvent[] = [
      { type: "generation_removed", data: { id: a } },
      { type: "generation_removed", data: { id: b } },
    ];
    for (const e of batch) fake.emit(e);
    await waitFor(() => expect(seen).toEqual([a, b]));
    expect(also).toEqual([a, b]);
    const takes = fake.calls.filter((c) => c.cmd === "take_queue_events").length;
    expect(takes).toBeLessThanOrEqual(3); // told once for the two, not once each
    stop();
    fake.emit({ type: "generation_removed", data: { id: a } });
    await waitFor(() => expect(also).toEqual([a, b, a]));
    expect(seen).toEqual([a, b]);
    stopAlso();
  });
});
