// A tiny test runner over playwright-core and Debian's Chromium: builds the
// mock entry (mock.html), serves it with `vite preview` on a free port, runs
// every registered test in a fresh browser context, prints a summary.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build, preview } from "vite";
import { chromium } from "playwright-core";

const UI = resolve(import.meta.dirname, "..");
export const ARTIFACTS = join(UI, "test-artifacts");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const tests = [];
export function test(name, fn) {
  tests.push({ name, fn });
}

/** Polls `fn` until it returns a truthy value (or throws on timeout with `what`). */
export async function until(what, fn, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

export async function runAll() {
  const started = Date.now();
  mkdirSync(ARTIFACTS, { recursive: true });
  await build({ root: UI, mode: "e2e", logLevel: "warn", configFile: join(UI, "vite.config.ts") });
  const server = await preview({ root: UI, mode: "e2e", configFile: join(UI, "vite.config.ts"), logLevel: "warn", preview: { port: 0, host: "127.0.0.1", strictPort: false }, build: { outDir: "dist-e2e" } });
  const base = server.resolvedUrls.local[0].replace(/\/$/, "");
  const profile = mkdtempSync(join(tmpdir(), "genqueue-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1200, height: 800 } }).catch((e) => {
    throw new Error(`could not start ${CHROMIUM}: ${e.message}`);
  });
  const built = Date.now();
  let failed = 0;
  const only = process.env.E2E_ONLY;
  let loads = 0;
  for (const t of tests) {
    if (only && !t.name.includes(only)) continue;
    const page = await browser.newPage();
    page.setDefaultTimeout(5000);
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const open = async (query, route = "/", { width = 1200, height = 800, colorScheme = "light" } = {}) => {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme, reducedMotion: "no-preference" });
      // A new query each time: a full load with a fresh fake backend, not a hash change.
      await page.goto(`${base}/mock.html?${query}&load=${++loads}#${route}`);
      await page.locator(".header").waitFor();
    };
    const t0 = Date.now();
    try {
      // `allow(text)`: a console error containing `text` is part of what the test checks.
      const allowed = [];
      const allow = (text) => allowed.push(text);
      await t.fn({ page, open, allow, shot: (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) }) });
      const unexpected = errors.filter((e) => !e.includes("expected in test") && !allowed.some((a) => e.includes(a)));
      if (unexpected.length) throw new Error(`errors in the page: ${unexpected.join(" | ")}`);
      console.log(`  ok   ${t.name} (${Date.now() - t0} ms)`);
    } catch (error) {
      failed += 1;
      console.log(`  FAIL ${t.name} (${Date.now() - t0} ms)\n       ${String(error?.stack ?? error).split("\n").slice(0, 6).join("\n       ")}`);
      await page.screenshot({ path: join(ARTIFACTS, `FAILED-${t.name.replace(/\W+/g, "-")}.png`) }).catch(() => {});
    } finally {
      await page.close();
    }
  }
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
  await new Promise((r) => server.httpServer.close(r));
  const ran = only ? tests.filter((t) => t.name.includes(only)).length : tests.length;
  console.log(`e2e: ${ran - failed} passed, ${failed} failed (build+serve ${built - started} ms, tests ${Date.now() - built} ms)`);
  process.exitCode = failed ? 1 : 0;
}
