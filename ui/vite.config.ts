import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { resolve } from "node:path";

// Production builds only index.html. `--mode e2e` builds mock.html instead:
// the same app over an in-memory fake backend (mock/), for the Playwright suite.
export default defineConfig(({ mode }) => ({
  plugins: [react()],
  // Tauri serves the bundle from its own origin; relative asset paths keep both
  // that and `vite preview` working.
  base: "./",
  clearScreen: false,
  // The mock's video is replicate-sim's fixture (crates/sim/fixtures), outside ui/.
  server: { port: 1420, strictPort: true, fs: { allow: [".", "../crates/sim/fixtures"] } },
  build: {
    target: "es2022",
    outDir: mode === "e2e" ? "dist-e2e" : "dist",
    emptyOutDir: true,
    rolldownOptions: {
      input: resolve(import.meta.dirname, mode === "e2e" ? "mock.html" : "index.html"),
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}", "mock/**/*.test.ts"],
  },
}));
