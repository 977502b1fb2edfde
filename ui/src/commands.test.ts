import { describe, expect, it } from "vitest";
import { COMMANDS } from "./bindings";
import { FakeBackend } from "../mock/fakeBackend";
import { backend, BackendError } from "./backend";
import { fakeBackend } from "./test-utils";

describe("the generated command list", () => {
  it("is answered in full by the fake backend the UI tests run on", () => {
    const fake = new FakeBackend({ clock: "manual" });
    const handlers = fake.commands as Record<string, unknown>;
    const missing = COMMANDS.filter((name) => typeof handlers[name] !== "function");
    expect(missing).toEqual([]);
    // And the fake answers nothing the Rust side does not register.
    expect(Object.keys(handlers).filter((name) => !(COMMANDS as readonly string[]).includes(name))).toEqual([]);
  });

  it("refuses a command outside the list with an internal error", async () => {
    const fake = fakeBackend("empty");
    const error = await Promise.resolve()
      .then(() => fake.handle("no_such_command"))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ payload: { code: "internal" } });
    // Through the IPC, a command's error arrives as a BackendError with its code.
    const refused = await backend.getGeneration("gen_9999").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackendError);
    expect(refused).toMatchObject({ code: "not_found" });
  });
});
