// A real token in the real window: the first-run form against replicate-sim
// (REPLICATE_API_BASE), the secret in the Secret Service (gnome-keyring) and
// nowhere else, a generation through the real client, then a restart of the
// app on the same data folder. Runs in the dark theme (GTK_THEME=Adwaita:dark
// on this tauri-driver) at a small window size, for the screenshots.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { COMPLETE_MS, AT_ONCE_MS, assertResultImagesShown, closeApp, counter, counterValue, execFile, openApp, shot, spinning, until } from "./lib.mjs";

const PORT = Number(process.env.WEBDRIVER_PORT_B);
const TOKEN = process.env.SIM_TOKEN;
const BAD_TOKEN = process.env.SIM_BAD_TOKEN;
const WINDOW_TMP = process.env.WINDOW_TMP;
const APP_IDENTIFIER = "app.genqueue.desktop";

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

/** The secrets stored for the app in the Secret Service (secret-tool). */
function keyringSecrets() {
  const r = spawnSync("secret-tool", ["search", "--all", "--unlock", "service", APP_IDENTIFIER], { encoding: "utf8" });
  return [...`${r.stdout}\n${r.stderr}`.matchAll(/^secret = (.*)$/gm)].map((m) => m[1]);
}

after(closeApp);

describe("a real token, the keyring and a restart (dark theme, small window)", () => {
  let browser;

  test("the first-run form refuses a bad token, then adds a good one", async () => {
    browser = await openApp(PORT, "token-");
    await browser.setWindowSize(800, 600);
    const h1 = await browser.$(".page-first-run h1");
    await h1.waitForDisplayed({ timeout: 20_000 });
    const dark = await browser.execute(() => matchMedia("(prefers-color-scheme: dark)").matches);
    console.log(`prefers-color-scheme: dark = ${dark}`);
    await shot("first-run");

    await (await browser.$("#token-secret")).setValue(BAD_TOKEN);
    await (await browser.$("button=Add token")).click();
    const err = await browser.$(".token-form .field-error");
    await err.waitForDisplayed({ timeout: 10_000 });
    console.log(`bad token: [${await err.getAttribute("data-code")}] ${await err.getText()}`);
    assert.equal(await (await browser.$("#token-secret")).getValue(), "", "the secret is cleared from the form after the call");
    assert.ok(await h1.isDisplayed(), "still on the first-run screen");
    await shot("bad-token");

    await (await browser.$("#token-label")).setValue("Window test");
    await (await browser.$("#token-secret")).setValue(TOKEN);
    await (await browser.$("button=Add token")).click();
    await (await browser.$("textarea#prompt")).waitForDisplayed({ timeout: 15_000 });
    assert.ok(!(await (await browser.$(".badge-demo")).isExisting()), "no Demo badge with a real token");
    await shot("create-after-token");
  });

  test("the secret is in the Secret Service and nowhere in the app's files", async () => {
    const secrets = keyringSecrets();
    assert.ok(secrets.includes(TOKEN), `the token is in gnome-keyring under service=${APP_IDENTIFIER} (found ${secrets.length} secret(s))`);
    assert.ok(!secrets.includes(BAD_TOKEN), "the refused token was not stored");
    // The data folder (SQLite, WAL) and XDG data (logs) never hold the secret.
    const hits = [...filesContaining(process.env.GENQUEUE_DATA_DIR_B, TOKEN), ...filesContaining(join(WINDOW_TMP, "xdg", "data"), TOKEN).filter((p) => !p.includes("/keyrings/"))];
    assert.deepEqual(hits, [], "no file outside the keyring holds the secret");
  });

  test("a generation through the real client: ⟳ 1 at once, completes, image shown", async () => {
    await (await browser.$("textarea#prompt")).setValue("A red bicycle against a blue wall, token test");
    await (await browser.$("form.create-form button[type=submit]")).click();
    await until(async () => (await counterValue()) === 1, AT_ONCE_MS, "the counter to show 1");
    assert.ok(await spinning());
    // Observation for the report: is the "Queued" notice visible after a
    // create in a small window, or under the sticky create bar?
    const notice = await browser.execute(() => {
      const n = document.querySelector(".create-form .notice-ok");
      if (!n) return "absent";
      const r = n.getBoundingClientRect();
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return r.bottom > innerHeight ? `below the fold (top ${Math.round(r.top)} of ${innerHeight})` : n.contains(top) ? "visible" : `covered by .${top?.className}`;
    });
    console.log(`"Queued" notice after create at 800×600: ${notice}`);
    await shot("after-create");
    await until(async () => !(await spinning()), COMPLETE_MS, "the generation to complete", 200);
    await (await counter()).click();
    await (await browser.$(".queue .queue-item")).click();
    await assertResultImagesShown("result");
    await until(async () => (await counterValue()) === 0, 3_000, "the counter to disappear (0)");
  });

  test("after a restart the app opens on Create with the token (read back from the keyring)", async () => {
    await closeApp();
    browser = await openApp(PORT, "token-restart-");
    await browser.setWindowSize(800, 600);
    await (await browser.$("textarea#prompt")).waitForDisplayed({ timeout: 20_000 });
    assert.ok(!(await (await browser.$(".page-first-run")).isExisting()), "no first-run screen after a restart");
    assert.equal(await counterValue(), 0, "the viewed generation stays viewed");
    await (await browser.$("nav.nav").$("a=Tokens")).click();
    const row = await browser.$("li.token");
    await row.waitForDisplayed({ timeout: 5_000 });
    const text = await row.getProperty("textContent");
    assert.ok(text.includes("Window test"), `the token row shows its label (${text})`);
    assert.ok(text.includes(TOKEN.slice(-4)), "the token row shows the fingerprint");
    assert.ok(!text.includes(TOKEN), "the token row never shows the secret");
    await shot("tokens-page");
    // The history keeps the generation from before the restart.
    await (await browser.$("nav.nav").$("a=History")).click();
    await until(() => browser.execute(() => document.querySelector("main")?.textContent.includes("A red bicycle against a blue wall")), 5_000, "the history to list the generation");
    // Its thumbnail loads from the outputs folder too.
    const { value: thumb } = await until(
      () =>
        browser.execute(() => {
          const i = document.querySelector(".thumb img");
          return i && i.complete && i.naturalWidth > 0 ? { w: i.naturalWidth, shown: i.clientWidth } : null;
        }),
      5_000,
      "the history thumbnail to load",
      100,
    );
    console.log(`history thumbnail: ${JSON.stringify(thumb)}`);
    await browser.executeAsync((done) => document.querySelector(".thumb img").decode().then(() => done(), () => done()));
    await new Promise((r) => setTimeout(r, 300));
    await shot("history");
    assert.equal(await (await counter()).isExisting(), false);
  });
});
