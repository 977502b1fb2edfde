// Puts a FakeBackend behind `@tauri-apps/api`: commands through mockIPC,
// events through the mocked event plugin, file URLs through convertFileSrc.
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { QUEUE_EVENTS_READY } from "../src/backend";
import type { ErrorPayload } from "../src/bindings";
import { CommandError, FakeBackend, type FakeOptions } from "./fakeBackend";

type Internals = { convertFileSrc?: (path: string, protocol?: string) => string };

export function installFakeBackend(options: FakeOptions = {}): FakeBackend {
  const fake = new FakeBackend(options);
  mockIPC(
    async (cmd, payload) => {
      try {
        // A structured copy, as the IPC would make: the UI never shares objects with the fake.
        const answer = await fake.handle(cmd, (payload ?? {}) as Record<string, unknown>);
        return answer === undefined ? null : JSON.parse(JSON.stringify(answer));
      } catch (error) {
        if (error instanceof CommandError) throw error.payload;
        throw { code: "internal", message: String(error) } satisfies ErrorPayload;
      }
    },
    { shouldMockEvents: true },
  );
  fake.onEvent((event) => {
    // As the Rust side does: the event waits, the page is told once until it takes.
    if (fake.queueEventWaits(JSON.parse(JSON.stringify(event)))) void emit(QUEUE_EVENTS_READY, null);
  });
  const internals = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;
  internals.convertFileSrc = (path: string) => fake.fileUrl(path) ?? `asset://localhost/${encodeURIComponent(path)}`;
  return fake;
}

export function uninstallFakeBackend(fake: FakeBackend): void {
  fake.stop();
  clearMocks();
}
