import "@testing-library/jest-dom/vitest";
import "./i18n";
import { cleanup } from "@testing-library/react";
import { webcrypto } from "node:crypto";
import { afterEach } from "vitest";

// mockIPC registers callbacks with crypto.getRandomValues, which jsdom lacks.
if (!globalThis.crypto?.getRandomValues) {
  Object.defineProperty(globalThis, "crypto", { value: webcrypto, configurable: true });
}
if (!window.crypto?.getRandomValues) {
  Object.defineProperty(window, "crypto", { value: webcrypto, configurable: true });
}

afterEach(() => cleanup());
