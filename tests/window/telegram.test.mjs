// Telegram in the real window: Settings → Telegram against the fake Bot API
// (fake-telegram on loopback, pointed at through the Bot API base URL
// setting), the bot token in the Secret Service, "Find my chat", a test
// message, a completion's photo with the saved file's very bytes, and a
// Telegram outage during a run that loses nothing. Its own app session
// (tauri-driver C, data folder C, REPLICATE_API_BASE = replicate-sim).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { COMPLETE_MS, closeApp, openApp, shot, until } from "./lib.mjs";

const PORT = Number(process.env.WEBDRIVER_PORT_C);
const SIM_TOKEN = process.env.SIM_TOKEN;
const FAKE = process.env.FAKE_TELEGRAM_BASE;
const BOT_TOKEN = process.env.FAKE_TELEGRAM_TOKEN;
const CHAT = process.env.FAKE_TELEGRAM_CHAT;
const DATA_DIR = process.env.GENQUEUE_DATA_DIR_C;
const APP_IDENTIFIER = "app.genqueue.desktop";

async function fake(path, body) {
  const r = await fetch(`${FAKE}${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  assert.ok(r.ok, `fake-telegram ${path}: ${r.status}`);
  return r.status === 204 ? null : r.json();
}
const delivered = async (method) => (await fake("/_fake/requests")).filter((r) => r.status === 200 && r.method === method);

/** Files under dir (recursive) whose bytes contain needle. */
function filesContaining(dir, needle) {
  const hits = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 64 * 1024 * 1024 && readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** Saved output files under the data folder, oldest first. */
function outputFiles() {
  const root = join(DATA_DIR, "outputs");
  const out = [];
  for (const id of readdirSync(root, { withFileTypes: true })) {
    if (!id.isDirectory()) continue;
    for (const f of readdirSync(join(root, id.name))) {
      if (f.startsWith(".")) continue;
      const p = join(root, id.name, f);
      out.push({ path: p, mtime: statSync(p).mtimeMs });
    }
  }
  return out.sort((a, b) => a.mtime - b.mtime).map((o) => o.path);
}

after(closeApp);

describe("Telegram: settings, a test message, photos, an outage (fake Bot API)", () => {
  let browser;

  const create = async (prompt) => {
    await (await browser.$("nav.nav").$("a=Create")).click();
    const box = await browser.$("textarea#prompt");
    await box.waitForDisplayed({ timeout: 10_000 });
    await box.setValue(prompt);
    await (await browser.$("form.create-form button[type=submit]")).click();
    await (await browser.$(".notice-ok*=Queued 1 generation")).waitForDisplayed({ timeout: 5_000 });
  };
  const openSettings = async () => {
    const section = await browser.$("[data-testid=telegram-section]");
    // One fresh run's click on the header's Settings link (the page scrolled
    // under the sticky header after two creates) did not navigate, with no
    // WebDriver error; a second click is what a user would do.
    for (let attempt = 1; ; attempt++) {
      await (await browser.$('nav.nav a[href="#/settings"]')).click();
      try {
        await section.waitForDisplayed({ timeout: attempt < 3 ? 4_000 : 10_000 });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
        console.log(`Settings not shown after click ${attempt} (${await browser.getUrl()}); clicking again`);
      }
    }
    await section.scrollIntoView();
    return section;
  };

  test("the bot token goes to the keyring; Find my chat and a test message reach the Bot API", async () => {
    browser = await openApp(PORT, "telegram-");
    await (await browser.$(".page-first-run h1")).waitForDisplayed({ timeout: 20_000 });
    await (await browser.$("#token-label")).setValue("Telegram test");
    await (await browser.$("#token-secret")).setValue(SIM_TOKEN);
    await (await browser.$("button=Add token")).click();
    await (await browser.$("textarea#prompt")).waitForDisplayed({ timeout: 15_000 });

    await openSettings();
    await shot("settings-empty");
    // A malformed token is refused in the form, before any call.
    await (await browser.$("#telegram-token")).setValue("not-a-token");
    await (await browser.$("button=Save token")).click();
    await (await browser.$(".telegram .field-error")).waitForDisplayed({ timeout: 3_000 });
    await (await browser.$("#telegram-token")).setValue(BOT_TOKEN);
    await (await browser.$("button=Save token")).click();
    await (await browser.$("[data-testid=telegram-token-set]")).waitForDisplayed({ timeout: 10_000 });
    const r = spawnSync("secret-tool", ["search", "--all", "--unlock", "service", APP_IDENTIFIER], { encoding: "utf8" });
    const entries = `${r.stdout}\n${r.stderr}`.split(/\n(?=\[)/);
    const entry = entries.find((e) => e.includes(`secret = ${BOT_TOKEN}`));
    assert.ok(entry, `the bot token is in gnome-keyring under service=${APP_IDENTIFIER}`);
    assert.match(entry, /telegram-bot-token/, "under its own account");

    // Someone wrote to the bot: Find my chat offers that chat.
    await fake("/_fake/updates", { chat: { id: Number(CHAT), type: "private", first_name: "Window", username: "window_tester" } });
    await (await browser.$("#telegram-base")).setValue(FAKE);
    await (await browser.$(".telegram-chat button[type=submit]")).click();
    await until(async () => (await (await browser.$("[data-testid=telegram-result]")).getText()) === "Saved.", 5_000, "the base URL to be saved");
    await (await browser.$("button=Find my chat")).click();
    const pick = await (await browser.$("[data-testid=telegram-chats]")).$("button*=Window (@window_tester)");
    await pick.waitForDisplayed({ timeout: 10_000 });
    await shot("find-my-chat");
    await pick.click();
    assert.equal(await (await browser.$("#telegram-chat")).getValue(), CHAT);
    await (await browser.$(".telegram-chat button[type=submit]")).click();
    await until(async () => (await (await browser.$("[data-testid=telegram-result]")).getText()) === "Saved.", 5_000, "the chat to be saved");

    await (await browser.$("button=Send a test message")).click();
    await until(async () => (await (await browser.$("[data-testid=telegram-result]")).getText()).includes("@genqueue_test_bot"), 10_000, "the test message to be sent");
    const tests = await delivered("sendMessage");
    assert.equal(tests.length, 1);
    assert.equal(tests[0].fields.chat_id, CHAT);
    assert.ok(tests[0].token_ok, "sent with the bot token from the keyring");
    assert.match(tests[0].fields.text, /Genqueue is connected/);
    await shot("settings-configured");
  });

  test("the bot token is nowhere in the app's files or logs", async () => {
    const hits = [...filesContaining(DATA_DIR, BOT_TOKEN), ...filesContaining(join(process.env.WINDOW_TMP, "xdg", "data"), BOT_TOKEN).filter((p) => !p.includes("/keyrings/"))];
    assert.deepEqual(hits, [], "no file outside the keyring holds the bot token");
  });

  test("a completion reaches the chat as its photo, with the saved file's bytes and the prompt", async () => {
    await create("A red kite over the moor, telegram window test");
    const { value: photos } = await until(async () => {
      const p = await delivered("sendPhoto");
      return p.length === 1 ? p : null;
    }, COMPLETE_MS, "the photo at the fake Bot API", 200);
    const files = outputFiles();
    assert.equal(files.length, 1, `one output saved: ${files}`);
    const sent = Buffer.from(photos[0].files[0].bytes, "base64");
    assert.ok(sent.equals(readFileSync(files[0])), "the photo's bytes are the saved file's");
    assert.equal(photos[0].fields.chat_id, CHAT);
    assert.match(photos[0].fields.caption, /A red kite over the moor/);
  });

  test("a Telegram outage during a run loses nothing", async () => {
    await fake("/_fake/mode", { mode: "down" });
    await create("Outage one, telegram window test");
    await create("Outage two, telegram window test");
    await until(() => outputFiles().length === 3, COMPLETE_MS, "both generations to complete while Telegram is down", 200);
    const section = await openSettings();
    await (await browser.$("[data-testid=telegram-retrying]")).waitForDisplayed({ timeout: 20_000 });
    console.log(`while down: ${await section.getText()}`);
    await shot("telegram-down");
    assert.equal((await delivered("sendPhoto")).length, 1, "nothing delivered while down");
    const refused = (await fake("/_fake/requests")).filter((r) => r.status === 502).length;
    assert.ok(refused > 0, "the app tried and met the outage");

    await fake("/_fake/mode", { mode: "ok" });
    const { value: photos } = await until(async () => {
      const p = await delivered("sendPhoto");
      return p.length >= 3 ? p : null;
    }, 60_000, "the two photos after the outage", 250);
    assert.equal(photos.length, 3, "each completion once");
    const files = outputFiles();
    for (const [i, p] of photos.entries()) {
      assert.ok(Buffer.from(p.files[0].bytes, "base64").equals(readFileSync(files[i])), `photo ${i} has the bytes of ${files[i]}`);
    }
    await (await browser.$("[data-testid=telegram-retrying]")).waitForDisplayed({ reverse: true, timeout: 10_000 });
    await shot("telegram-recovered");
  });
});
