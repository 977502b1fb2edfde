// Notifications and the tray answer clicks, as a person would click them,
// through the session bus: dunst's NotificationAction (what a click on a
// dunst notification does: the notification's `default` action, over D-Bus
// with `dunstctl action 0`) and the tray item's Activate
// (org.kde.StatusNotifierItem); its ToolTip carries ⟳ N. A fresh app
// session in the offline demo, after demo.test.mjs and token.test.mjs, set
// up by scripts/window-tests.sh (dunst runs there with notifications that
// stay until clicked or closed: tests/window/dunstrc).
//
// dunst 1.9 acts on the notification at position 0 only (its
// NotificationAction compares the position with the *waiting* queue's
// length), the oldest one shown: each test first closes every notification.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  COMPLETE_MS, TRAY_MS, assertResultImagesShown, closeApp, counterValue, execFile, notifications, openApp, screenShot, shot, unfocusWindow, until, windowHasFocus,
} from "./lib.mjs";
import { activateTray, readTray } from "./tray.mjs";

const PORT = Number(process.env.WEBDRIVER_PORT);
const SNI_WATCHER = process.env.SNI_WATCHER === "1";

let browser;
before(async () => {
  browser = await openApp(PORT, "notify-");
  await (await browser.$("button=Try the offline demo")).waitForDisplayed({ timeout: 20_000 });
  await (await browser.$("button=Try the offline demo")).click();
  await (await browser.$("textarea#prompt")).waitForDisplayed({ timeout: 20_000 });
});
after(closeApp);

const dunstctl = (...args) => execFile("dunstctl", args);
const displayed = async () => Number((await dunstctl("count", "displayed")).stdout.trim());

/** Creates one generation with this prompt from the create page. */
async function createOne(prompt) {
  await (await browser.$('nav.nav a[href="#/"]')).click();
  const box = await browser.$("textarea#prompt");
  await box.waitForDisplayed({ timeout: 5_000 });
  await box.setValue(prompt);
  await (await browser.$("form.create-form button[type=submit]")).click();
  await until(async () => (await counterValue()) >= 1, 5_000, "the counter to count the new generation");
}

describe("clicks on notifications and on the tray", () => {
  const PROMPT = "A red kite over the moor, notification test";
  let refocus = async () => {};
  let ready;
  let finished;

  test("a generation ends while the window is unfocused: its notification, then the queue's, both with actions", async () => {
    await dunstctl("close-all");
    const before = notifications().length;
    await createOne(PROMPT);
    refocus = await unfocusWindow();
    await until(async () => !(await windowHasFocus()), 5_000, "the window to lose the focus");
    ({ value: [ready, finished] } = await until(
      () => {
        const n = notifications().slice(before);
        const r = n.find((x) => x.title === "Generation ready: 1 image" && (x.body ?? "").includes("A red kite"));
        const f = n.find((x) => x.title === "Queue finished");
        return r && f ? [r, f] : null;
      },
      COMPLETE_MS,
      "'Generation ready' and 'Queue finished' Notify calls on the session bus",
      100,
    ));
    console.log(`notifications: ${JSON.stringify([ready, finished])}`);
    assert.deepEqual(ready.actions, ["default", "Open", "open", "Open"], "a click (default) and an Open button");
    assert.equal(finished.body, "1 image ready");
    assert.deepEqual(finished.actions, ["default", "Open", "open", "Open"]);
    const sent = notifications().slice(before).map((n) => n.title);
    assert.ok(sent.indexOf(ready.title) < sent.indexOf(finished.title), `the generation's notification comes first (${JSON.stringify(sent)})`);
    await until(async () => (await displayed()) === 2, 5_000, "dunst to show both");
    await screenShot("notifications-shown");
  });

  test("a click on 'Generation ready' (its default action) opens that generation's result, marked viewed", async () => {
    assert.ok(ready, "the previous test saw the notification");
    assert.equal(await counterValue(), 1, "one unviewed before the click");
    await dunstctl("action", "0");
    const { value: url } = await until(async () => {
      const u = await browser.getUrl();
      return /#\/result\/[0-9a-f-]{36}$/.test(u) ? u : null;
    }, 5_000, "the window to show a result page");
    const prompt = await browser.$(".page-result .prompt-text");
    await prompt.waitForDisplayed({ timeout: 5_000 });
    assert.ok((await prompt.getText()).includes("A red kite over the moor"), `the result of that generation (${url})`);
    await until(async () => (await counterValue()) === 0, 5_000, "the counter to drop to 0 (viewed)");
    const focused = await until(() => windowHasFocus(), 5_000, "the window to come forward (focus)").then(() => true, () => false);
    console.log(`after the click: ${url}, window focused: ${focused}`);
    await assertResultImagesShown("notification-click-result");
  });

  test("a click on 'Queue finished' opens the history filtered to that run", async () => {
    assert.ok(finished, "the first test saw the notification");
    await until(async () => (await displayed()) === 1, 5_000, "dunst to have closed the clicked notification");
    await dunstctl("action", "0");
    const { value: url } = await until(async () => {
      const u = await browser.getUrl();
      return /#\/history\?from=[^&]+&to=/.test(u) ? u : null;
    }, 5_000, "the window to show the history of the run");
    try {
      // The rows by id and prompt (a row's cost arrives a moment later).
      const listed = async () => {
        const out = [];
        for (const row of await browser.$$(".history-row")) {
          out.push(`${await row.getAttribute("data-id")} ${await (await row.$(".history-prompt")).getProperty("textContent")}`);
        }
        return out.length > 0 ? out : null;
      };
      const { value: rows } = await until(listed, 5_000, "the history's rows");
      assert.equal(rows.length, 1, `only the run's generation is listed (${url}): ${JSON.stringify(rows)}`);
      assert.ok(rows[0].includes("A red kite"), "the run's generation");
      assert.ok(await (await browser.$("[data-testid=history-run]")).isDisplayed(), "the page says it shows one run");
      await new Promise((r) => setTimeout(r, 1_000));
      assert.deepEqual(await listed(), rows, "the list stays as it is");
      assert.match(await (await browser.$("[data-testid=history-count]")).getText(), /· 1 shown$/);
      await shot("history-of-the-run");
    } finally {
      await refocus();
    }
  });

  test("the tray: its ToolTip carries ⟳ N and what runs; Activate brings the window forward", { skip: !SNI_WATCHER && "no StatusNotifierWatcher" }, async () => {
    await createOne("A heron in the reeds, tray test");
    const { value: tray } = await until(async () => {
      const t = await readTray();
      return t && /⟳ 1/.test(t.tooltip ?? "") && (t.tooltip ?? "").includes("A heron in the reeds") ? t : null;
    }, TRAY_MS, "the tray's ToolTip to carry ⟳ 1 and the running generation");
    console.log(`tray: ${JSON.stringify(tray)}`);
    const back = await unfocusWindow();
    try {
      await until(async () => !(await windowHasFocus()), 5_000, "the window to lose the focus");
      await activateTray();
      await until(() => windowHasFocus(), 5_000, "Activate to bring the window forward");
    } finally {
      await back();
    }
    await screenShot("tray-activated");
  });
});
