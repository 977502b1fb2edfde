// Helpers shared by the window tests: the WebDriver session, screenshots,
// the ⟳ N counter, polling, the notification log and the X focus.
import assert from "node:assert/strict";
import { execFile as execFileCb, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { remote } from "webdriverio";

export const execFile = promisify(execFileCb);

/** Time allowed for a generation (3–8 s in the demo) to complete. */
export const COMPLETE_MS = 30_000;
/** "At once": the counter must change within this after the click. */
export const AT_ONCE_MS = 2_000;
/** The tray is refreshed after a short debounce. */
export const TRAY_MS = 5_000;

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/window-tests.sh`);
  return v;
}

export const APP = must("GENQUEUE_APP");
export const ARTIFACTS = must("ARTIFACTS");
const NOTIFY_LOG = must("NOTIFY_LOG");

/** @type {WebdriverIO.Browser} the current session (one at a time). */
let browser;
let shotNo = 0;
let shotPrefix = "";

/** Opens a session on the tauri-driver at `port` (it starts the app). */
export async function openApp(port, prefix) {
  shotPrefix = prefix;
  shotNo = 0;
  browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    connectionRetryCount: 0,
    connectionRetryTimeout: 60_000,
    capabilities: {
      "tauri:options": { application: APP },
      "wdio:enforceWebDriverClassic": true,
    },
  });
  await browser.setTimeout({ implicit: 0 });
  return browser;
}

/** Ends the session (the app quits), after a last screenshot. */
export async function closeApp() {
  if (!browser) return;
  await shot("last").catch(() => {});
  await browser.deleteSession().catch(() => {});
  browser = undefined;
  // The session ends before the app has quit: an app launched meanwhile
  // finds the old one's single-instance name still on the bus and hands its
  // arguments to a process that no longer answers. Wait until it is gone.
  const deadline = Date.now() + 30_000;
  while (await singleInstanceRunning()) {
    if (Date.now() > deadline) throw new Error("the app still holds its single-instance name 30 s after its session ended");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a Genqueue instance holds its single-instance name on the session bus. */
async function singleInstanceRunning() {
  const { stdout } = await execFile("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"]);
  return stdout.includes('"app.genqueue.desktop.SingleInstance');
}

export function shotName(name) {
  shotNo += 1;
  return `${ARTIFACTS}/${shotPrefix}${String(shotNo).padStart(2, "0")}-${name}`;
}

export async function shot(name) {
  const file = `${shotName(name)}.png`;
  // Two animation frames first (at most 500 ms: a hidden window gets none),
  // so that what the page just loaded is painted in the picture.
  await browser
    .executeAsync((done) => {
      setTimeout(done, 500);
      requestAnimationFrame(() => requestAnimationFrame(() => done()));
    })
    .catch(() => {});
  await browser.saveScreenshot(file);
  return file;
}

/** A screenshot of the whole X screen (what a person would see, window frame-less under Xvfb). */
export async function screenShot(name) {
  await execFile("import", ["-window", "root", `${shotName(name)}-screen.png`]);
}

export const counter = () => browser.$("[data-testid=queue-counter]");
export const counterN = () => browser.$("[data-testid=counter-n]");
export const glyph = () => browser.$("[data-testid=counter-glyph]");

/** The counter's number, or 0 when it is hidden (it is not rendered at 0). */
export async function counterValue() {
  const c = await counter();
  if (!(await c.isExisting())) return 0;
  return Number((await (await counterN()).getText()).trim());
}

export async function spinning() {
  const g = await glyph();
  if (!(await g.isExisting())) return false;
  return (await g.getAttribute("class")).split(/\s+/).includes("spinning");
}

/** Polls fn until it returns a truthy value; returns it with the time taken. */
export async function until(fn, timeoutMs, what, intervalMs = 50) {
  const t0 = Date.now();
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return { value: last, ms: Date.now() - t0 };
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Notify calls seen on the session bus so far (dbus-monitor's log):
 * { app, icon, title, body, actions, image } where actions is the flat list
 * of action keys and labels (["default", "Open", "open", "Open", …]) and
 * image the `image-path` hint (a picture shown beside the text), if any.
 */
export function notifications() {
  if (!existsSync(NOTIFY_LOG)) return [];
  const log = readFileSync(NOTIFY_LOG, "utf8");
  // Each call: "method call ... member=Notify" then its arguments, one a line:
  // app name, replaces id, icon, summary (title), body, actions (an array of
  // strings), hints, timeout.
  return log
    .split(/\n(?=method call|method return|signal|error)/)
    .filter((b) => /^method call .*member=Notify\b/.test(b))
    .map((b) => {
      const strings = [...b.matchAll(/^\s+string "((?:[^"\\]|\\.)*)"$/gm)].map((m) => m[1]);
      const array = b.match(/^\s+array \[\n((?:\s+string "(?:[^"\\]|\\.)*"\n)*)\s+\]/m);
      const actions = array ? [...array[1].matchAll(/string "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]) : [];
      const image = b.match(/string "image-path"\s+variant\s+string "((?:[^"\\]|\\.)*)"/)?.[1] ?? null;
      return { app: strings[0], icon: strings[1], title: strings[2], body: strings[3], actions, image };
    });
}

/** The X window id of the app's window (xdotool; its title is "Genqueue"). */
export async function appWindowId() {
  const { stdout } = await execFile("xdotool", ["search", "--onlyvisible", "--name", "^Genqueue$"]);
  const ids = stdout.trim().split("\n").filter(Boolean);
  assert.ok(ids.length > 0, "the app's X window was not found");
  return ids[0];
}

/** Is the app's window focused, as GTK (and so Tauri's is_focused) sees it? */
export async function windowHasFocus() {
  return browser.execute(() => document.hasFocus());
}

/**
 * Takes the keyboard focus away from the window: a small plain X window
 * (ImageMagick's `display` of a 1×1 image) is mapped and given the input
 * focus. Returns a function that closes it and gives the focus back.
 */
export async function unfocusWindow() {
  const other = spawn("display", ["-title", "focus-thief", "-geometry", "60x60+1200+720", "xc:gray"], { stdio: "ignore", detached: true });
  const { value: otherId } = await until(
    async () => {
      try {
        const { stdout } = await execFile("xdotool", ["search", "--onlyvisible", "--name", "focus-thief"]);
        return stdout.trim().split("\n")[0];
      } catch {
        return null;
      }
    },
    10_000,
    "the focus-thief window",
    100,
  );
  await execFile("xdotool", ["windowfocus", "--sync", otherId]);
  return async () => {
    try {
      process.kill(-other.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    await execFile("xdotool", ["windowfocus", "--sync", await appWindowId()]).catch(() => {});
  };
}


/**
 * On the result page: every output image loads (naturalWidth > 0: the asset
 * protocol and the CSP let the file through), decodes, and is painted — the
 * image's box in a screenshot is not flat. Takes that screenshot as NAME.
 */
export async function assertResultImagesShown(name) {
  await (await browser.$(".page-result .outputs img")).waitForExist({ timeout: 10_000 });
  const { value: sizes } = await until(
    () =>
      browser.execute(() => {
        const imgs = [...document.querySelectorAll(".page-result .outputs img")];
        if (imgs.length === 0 || imgs.some((i) => !i.complete || i.naturalWidth === 0)) return null;
        return imgs.map((i) => ({ src: i.src, w: i.naturalWidth, h: i.naturalHeight, shownW: i.clientWidth }));
      }),
    10_000,
    "every output image to load (naturalWidth > 0)",
    100,
  );
  console.log(`result images: ${JSON.stringify(sizes)}`);
  for (const s of sizes) {
    assert.ok(s.w > 0 && s.h > 0, `image ${s.src} loaded`);
    assert.ok(s.shownW > 0, `image ${s.src} is laid out`);
  }
  // A loaded image may still be painted a moment later: wait for decode().
  const decoded = await browser.executeAsync((done) => {
    const imgs = [...document.querySelectorAll(".page-result .outputs img")];
    Promise.all(imgs.map((i) => i.decode())).then(() => done("ok"), (e) => done(String(e)));
  });
  assert.equal(decoded, "ok", "the output images decode");
  const rect = await browser.execute(() => {
    const r = document.querySelector(".page-result .outputs img").getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height, dpr: window.devicePixelRatio };
  });
  const px = (v) => Math.round(v * rect.dpr);
  const box = `${px(Math.min(rect.w, 400))}x${px(Math.min(rect.h, 400))}+${px(rect.x)}+${px(rect.y)}`;
  // The screenshot may show the image's box empty for a moment after the
  // load: poll screenshots until the box holds a picture.
  const file = `${shotName(name)}.png`;
  let sd = "";
  const painted = await until(
    async () => {
      await browser.saveScreenshot(file);
      ({ stdout: sd } = await execFile("convert", [file, "-crop", box, "+repage", "-colorspace", "gray", "-format", "%[fx:standard_deviation]", "info:"]));
      return Number(sd) > 0.02;
    },
    10_000,
    `the image to be painted in the window (the screenshot's region ${box} is flat)`,
    100,
  );
  console.log(`image on screen (${box}): grey standard deviation ${sd}, painted ${painted.ms} ms after it was decoded`);
  return sizes;
}
