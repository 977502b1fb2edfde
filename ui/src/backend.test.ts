import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";
import { fakeBackend } from "./test-utils";
import { backend, BackendError, fileUrl, isAbsolutePath, joinDataPath, onQueueEvent, QUEUE_EVENTS, toBackendError } from "./backend";
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

  it("hands each event of a queue-events batch to the listener, in order, and none after it stops", async () => {
    const fake = fakeBackend("ready");
    const [a, b] = [...fake.generations.values()].map((g) => g.id);
    const seen: string[] = [];
    const stop = onQueueEvent((e) => seen.push(e.type === "generation_removed" ? e.data.id : e.type));
    await new Promise((r) => setTimeout(r, 0)); // the listener registers
    const batch: QueueEvent[] = [
      { type: "generation_removed", data: { id: a } },
      { type: "generation_removed", data: { id: b } },
    ];
    await emit(QUEUE_EVENTS, batch);
    expect(seen).toEqual([a, b]);
    stop();
    await emit(QUEUE_EVENTS, batch);
    expect(seen).toEqual([a, b]);
  });
});
