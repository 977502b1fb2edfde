// WebDriver tests of Genqueue's real window: tauri-driver + WebKitWebDriver
// drive the built app under Xvfb, in a private D-Bus session with
// gnome-keyring, dunst, dbus-monitor and a StatusNotifierWatcher, all set up
// by scripts/window-tests.sh (run this file through it, not alone).
//
// One app session runs the steps in order, as a new user would: first run,
// offline demo, create, watch the counter, open the result, then a batch of
// three while the window is not focused (notifications).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import {
  ARTIFACTS, AT_ONCE_MS, assertResultImagesShown, COMPLETE_MS, TRAY_MS, closeApp, counter, counterValue, execFile, notifications,
  openApp, screenShot, shot, spinning, unfocusWindow, until, windowHasFocus,
} from "./lib.mjs";
import { readTray, trayText } from "./tray.mjs";

const PORT = Number(process.env.WEBDRIVER_PORT);
const SNI_WATCHER = process.env.SNI_WATCHER === "1";

let browser;
before(async () => {
  browser = await openApp(PORT, "demo-");
});
after(closeApp);

describe("Genqueue's window", () => {
  let firstId;

  test("first run without tokens shows the first-run screen", async () => {
    const h1 = await browser.$(".page-first-run h1");
    try {
      await h1.waitForDisplayed({ timeout: 20_000 });
    } catch (e) {
      const text = await browser.execute(() => document.body?.innerText ?? "").catch(() => "");
      if (/localhost/.test(text)) {
        throw new Error(`the window loads a dev server (${JSON.stringify(text.slice(0, 100))}): the binary was built without --features custom-protocol`);
      }
      throw e;
    }
    assert.equal(await h1.getText(), "Welcome to Genqueue");
    assert.equal(await browser.getTitle(), "Genqueue");
    const demo = await browser.$("button=Try the offline demo");
    assert.ok(await demo.isDisplayed(), "the offline demo button is shown");
    // It says where to get a token, as a link that opens the browser.
    const link = await browser.execute(() => {
      const a = document.querySelector('.page-first-run a[href="https://replicate.com/account/api-tokens"]');
      return { found: !!a, text: a?.textContent ?? "", html: document.querySelector(".page-first-run .steps li")?.innerHTML ?? "" };
    });
    assert.ok(link.found && link.text.includes("replicate.com/account/api-tokens"), `the first step links to the tokens page (step 1 HTML: ${link.html})`);
    assert.equal(await counterValue(), 0, "no counter on the first-run screen");
    await shot("first-run");
    await screenShot("first-run");
  });

  test("the offline demo starts: create page with the Demo badge", async () => {
    await (await browser.$("button=Try the offline demo")).click();
    const prompt = await browser.$("textarea#prompt");
    await prompt.waitForDisplayed({ timeout: 20_000 });
    assert.ok(await (await browser.$(".badge-demo")).isDisplayed(), "the header says Demo");
    assert.equal(await counterValue(), 0);
    if (SNI_WATCHER) {
      const tray = await until(() => readTray(), TRAY_MS, "the tray item on the bus");
      console.log(`tray at start: ${JSON.stringify(tray.value)}`);
    }
    // The model's settings come from the (simulated) schema.
    await (await browser.$(".settings .field, .settings-loading")).waitForExist({ timeout: 10_000 }).catch(() => {});
    await shot("demo-create-page");
  });

  test("create one generation: ⟳ 1 at once, spinning; it completes and the spinner stops", async () => {
    const prompt = await browser.$("textarea#prompt");
    await prompt.setValue("A lighthouse on a cliff at dusk, window test");
    const create = await browser.$("form.create-form button[type=submit]");
    assert.match(await create.getText(), /^Create(?! \d)/);
    await create.click();
    const { ms } = await until(async () => (await counterValue()) === 1, AT_ONCE_MS, "the counter to show 1");
    console.log(`counter showed 1 after ${ms} ms`);
    assert.ok(await spinning(), "the ⟳ spins while the generation is active");
    const anim = await browser.execute(() => getComputedStyle(document.querySelector("[data-testid=counter-glyph]")).animationName);
    assert.notEqual(anim, "none", "the spinning glyph has a CSS animation");
    assert.ok(await (await browser.$(".notice-ok*=Queued 1 generation")).isDisplayed(), "the create page says it was queued");
    await shot("created-counter-1-spinning");

    if (SNI_WATCHER) {
      const { value: tray } = await until(async () => {
        const t = await readTray();
        return t && trayText(t) === "⟳ 1" ? t : null;
      }, TRAY_MS, "the tray to read ⟳ 1");
      console.log(`tray while running: ${JSON.stringify(tray)}`);
    }

    const done = await until(async () => !(await spinning()), COMPLETE_MS, "the generation to complete (spinner stops)", 200);
    console.log(`spinner stopped ${done.ms} ms after the counter showed 1`);
    assert.equal(await counterValue(), 1, "still ⟳ 1 (unviewed) after completion");
    await shot("completed-counter-1-still");
  });

  test("dropdown → click → result page with the image shown, counter gone", async () => {
    await (await counter()).click();
    const item = await browser.$(".queue .queue-item");
    await item.waitForDisplayed({ timeout: 5_000 });
    firstId = await item.getAttribute("data-id");
    assert.match(firstId, /^[0-9a-f-]{36}$/);
    await shot("dropdown-open");
    // textContent: WebKitWebDriver's element text leaves out the ellipsized
    // (overflow: hidden) spans although they are on screen.
    const itemText = await item.getProperty("textContent");
    assert.ok(itemText.includes("A lighthouse on a cliff"), `the dropdown shows the prompt excerpt (item text: ${JSON.stringify(itemText)})`);
    assert.equal(await (await item.$(".status-icon")).getAttribute("data-status"), "completed", "the dropdown item shows ✓ completed");
    await item.click();

    await until(async () => (await browser.getUrl()).endsWith(`#/result/${firstId}`), 5_000, "the result page's URL");
    await assertResultImagesShown("result-page");
    await until(async () => (await counterValue()) === 0, 3_000, "the counter to disappear (0)");
    cpSync(`${process.env.GENQUEUE_DATA_DIR}/demo/outputs`, `${ARTIFACTS}/demo-outputs`, { recursive: true });
    assert.ok((await (await browser.$(".page-result .prompt-text")).getText()).includes("A lighthouse on a cliff"));
    await screenShot("result-page");

    if (SNI_WATCHER) {
      const { value: tray } = await until(async () => {
        const t = await readTray();
        return t && trayText(t) === "" ? t : null;
      }, TRAY_MS, "the tray's count to clear");
      console.log(`tray after viewing: ${JSON.stringify(tray)}`);
    }
  });

  test("three at once while the window is unfocused: ⟳ 3, a notification each, a click drops the count", async () => {
    await (await browser.$("nav.nav").$("a=Create")).click();
    const prompt = await browser.$("textarea#prompt");
    await prompt.waitForDisplayed({ timeout: 5_000 });
    await prompt.setValue("Three foxes in the snow, window test");
    await (await browser.$("button[aria-label='One image more']")).click();
    await (await browser.$("button[aria-label='One image more']")).click();
    const create = await browser.$("form.create-form button[type=submit]");
    assert.match(await create.getText(), /^Create 3/);

    const before = notifications().length;
    assert.ok(await windowHasFocus(), "the window has the focus before the test takes it away");
    // The focus goes first: a demo generation can end within a second, and one
    // that ends while the window has the focus rightly sends no notification.
    const refocus = await unfocusWindow();
    try {
      await until(async () => !(await windowHasFocus()), 5_000, "the window to lose the focus");
      // A click from the page's script: it does not give the window the focus back.
      await browser.execute((button) => button.click(), create);
      const { ms } = await until(async () => (await counterValue()) === 3, AT_ONCE_MS, "the counter to show 3");
      console.log(`counter showed 3 after ${ms} ms`);
      assert.ok(await spinning());
      if (SNI_WATCHER) {
        await until(async () => {
          const t = await readTray();
          return t && trayText(t) === "⟳ 3";
        }, TRAY_MS, "the tray to read ⟳ 3");
      }
      await until(async () => !(await spinning()), COMPLETE_MS, "the three generations to complete", 200);
      // One "Generation ready" per generation (the app may add others, e.g. a
      // summary when the queue empties: they are logged, not required).
      const ready = (n) => /^Generation ready/.test(n.title ?? "") && (n.body ?? "").includes("Three foxes in the snow");
      const { value: seen } = await until(
        () => {
          const n = notifications().slice(before);
          return n.filter(ready).length >= 3 ? n : null;
        },
        5_000,
        "three 'Generation ready' Notify calls on the session bus",
        100,
      );
      console.log(`notifications: ${JSON.stringify(seen)}`);
      for (const n of seen.filter(ready)) assert.equal(n.title, "Generation ready: 1 image");
      await screenShot("unfocused-with-notifications");
    } finally {
      await refocus();
    }

    assert.equal(await counterValue(), 3);
    await (await counter()).click();
    const items = await browser.$$(".queue .queue-item");
    assert.equal(items.length, 3, "the dropdown lists the three");
    await shot("dropdown-three");
    await items[1].click();
    await until(async () => (await counterValue()) === 2, 3_000, "the counter to drop to 2");
    if (SNI_WATCHER) {
      await until(async () => {
        const t = await readTray();
        return t && trayText(t) === "⟳ 2";
      }, TRAY_MS, "the tray to read ⟳ 2");
    }
    await shot("after-click-counter-2");
  });

  test("the first generation, focused, sent no notification", () => {
    const all = notifications();
    assert.ok(!all.some((n) => (n.body ?? "").includes("A lighthouse on a cliff")), "no notification while the window had the focus");
  });

  test("Spend: what the demo cost per model, the daily chart, and the estimate before Create", async () => {
    await browser.execute(() => {
      window.location.hash = "#/spend";
    });
    await (await browser.$("h1=Spend")).waitForDisplayed({ timeout: 10_000 });
    const drawn = await until(
      () => browser.execute(() => (document.querySelector(".spend-chart canvas") ? "canvas" : document.querySelector("[data-testid=chart-failed]")?.getAttribute("data-error") ?? null)),
      10_000,
      "the chart (or why it failed)",
    );
    assert.equal(drawn.value, "canvas", "the per-day chart is drawn");
    // The demo ran FLUX Schnell, one image each: $0.003 an image (replicate.com, the shipped table).
    const row = await browser.execute(() => {
      const tr = [...document.querySelectorAll(".spend-lines tr")].find((r) => r.textContent.includes("black-forest-labs/flux-schnell"));
      return tr ? [...tr.children].map((c) => c.textContent.trim()) : null;
    });
    assert.ok(row, "a FLUX Schnell line per model");
    const n = Number(/^(\d+)/.exec(row[2])[1]);
    assert.ok(n >= 4, `the demo's generations are counted: ${row}`);
    // Totals read to the cent (under a cent: every figure).
    const micros = n * 3000;
    const want = micros < 10_000 ? `$0.00${micros / 1000}` : `$${(Math.round(micros / 10_000) / 100).toFixed(2)}`;
    assert.equal(row[1], want, `${n} × $0.003: ${row}`);
    await shot("spend");
    // The day boundary is said, in this computer's zone.
    assert.match(await (await browser.$("[data-testid=spend-zone]")).getText(), /^Days start at midnight, .+ time\.$/);
    // A malformed price line is refused by the core with its line and reason; nothing is stored.
    const prices = await browser.$("textarea#price-lines");
    // (WebKitWebDriver types no newline: one line, the bad one.)
    await prices.setValue("acme/other 0.0.1 per image");
    await (await browser.$("button=Save budgets and prices")).click();
    const refused = await browser.$(".spend-budgets .notice-error");
    await refused.waitForDisplayed({ timeout: 5_000 });
    assert.match(await refused.getText(), /price table line 1: "acme\/other 0\.0\.1 per image": "0\.0\.1" is not a dollar amount/);
    await shot("spend-bad-price-line");
    await prices.clearValue();
    // History: each generation's cost and the whole history's, summed by the store.
    await browser.execute(() => {
      window.location.hash = "#/history";
    });
    const historyTotal = await until(
      () => browser.execute(() => document.querySelector("[data-testid=history-total]")?.textContent || null),
      10_000,
      "the history's cost",
    );
    assert.equal(historyTotal.value, `Cost: ${want}`, "every demo generation, FLUX Schnell at $0.003");
    const costs = await until(
      async () => {
        const c = await browser.execute(() => [...document.querySelectorAll("[data-testid=history-cost]")].map((e) => e.textContent));
        return c.length >= 1 && c.every((t) => t !== "") && c;
      },
      5_000,
      "each row's cost",
    );
    assert.ok(costs.value.every((c) => c === "$0.003"), `each row's cost: ${costs.value}`);
    const painted = await browser.execute(() => {
      const e = document.querySelector("[data-testid=history-cost]");
      const r = e.getBoundingClientRect();
      return { w: r.width, h: r.height, color: getComputedStyle(e).color, text: e.textContent, visibility: getComputedStyle(e).visibility };
    });
    console.log(`a row's cost on screen: ${JSON.stringify(painted)}`);
    await shot("history-costs");
    await browser.execute(() => {
      window.location.hash = "#/";
    });
    const prompt = await browser.$("textarea#prompt");
    await prompt.waitForDisplayed({ timeout: 5_000 });
    await prompt.setValue("A lighthouse at dusk, estimate only");
    const estimate = await browser.$("[data-testid=cost-estimate]");
    await estimate.waitForDisplayed({ timeout: 5_000 });
    assert.equal(await estimate.getText(), "About $0.003 for 1 image");
    await shot("create-estimate");
    await prompt.clearValue();
  });

  test("small window: the create page still fits", async () => {
    await browser.setWindowSize(720, 520);
    await (await browser.$("nav.nav").$("a=Create")).click();
    await (await browser.$("textarea#prompt")).waitForDisplayed({ timeout: 5_000 });
    const overflow = await browser.execute(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at 720×520 (overflow ${overflow}px)`);
    const header = await browser.execute(() => {
      const h = document.querySelector("header").getBoundingClientRect();
      const c = document.querySelector("[data-testid=queue-counter]").getBoundingClientRect();
      const nav = document.querySelector("nav.nav").getBoundingClientRect();
      return { viewport: document.documentElement.clientWidth, inner: innerWidth, header: [h.left, h.right], counter: [c.left, c.right], nav: [nav.left, nav.right], headerScroll: document.querySelector("header").scrollWidth - document.querySelector("header").clientWidth };
    });
    console.log(`header at 720×520: ${JSON.stringify(header)}`);
    assert.ok(header.counter[1] <= header.viewport, `the ⟳ counter is inside the window at 720 px (${JSON.stringify(header)})`);
    await shot("small-window-create");
    await (await counter()).click();
    await (await browser.$(".queue .queue-item")).waitForDisplayed({ timeout: 5_000 });
    const fits = await browser.execute(() => {
      const r = document.querySelector(".queue").getBoundingClientRect();
      return r.left >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
    });
    assert.ok(fits, "the dropdown fits in the small window");
    await shot("small-window-dropdown");
  });

  test("a picture dropped on an edit model's field reaches the model; 'Use as input' carries the result back", async () => {
    await browser.keys("Escape"); // the dropdown of the previous test
    await browser.setWindowSize(1100, 760);
    await (await browser.$('nav.nav a[href="#/"]')).click();
    const model = await browser.$('input[aria-label="Model (owner/name)"]');
    await model.waitForDisplayed({ timeout: 5_000 });
    await model.setValue("black-forest-labs/flux-kontext-pro");
    await (await browser.$('[data-field="input_image"]')).waitForDisplayed({ timeout: 10_000 });
    // A 64×48 PNG (a gradient with a block of one colour at the top left),
    // dropped as a file on the field (an HTML5 drop, as from a file manager).
    const dropped = await browser.execute(async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 64;
      canvas.height = 48;
      const ctx = canvas.getContext("2d");
      const grad = ctx.createLinearGradient(0, 0, 64, 48);
      grad.addColorStop(0, "rgb(250, 250, 250)");
      grad.addColorStop(1, "rgb(20, 20, 20)");
      ctx.fillStyle = grad;
      ctx.fillRect(0, 0, 64, 48);
      ctx.fillStyle = "rgb(10, 100, 250)";
      ctx.fillRect(0, 0, 24, 24);
      const blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], "card.png", { type: "image/png" }));
      const zone = document.querySelector('[data-testid="drop-input_image"]');
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      return dt.files.length;
    });
    assert.equal(dropped, 1);
    await until(
      () => browser.execute(() => [...document.querySelectorAll('[data-field="input_image"] .file-preview img')].some((i) => i.complete && i.naturalWidth === 64)),
      5_000,
      "the dropped picture's preview",
    );
    await (await browser.$("textarea#prompt")).setValue("The card as a negative");
    await shot("file-dropped");
    await (await browser.$("form.create-form button[type=submit]")).click();
    const link = await browser.$('.notice-ok a[href*="/result/"]');
    await link.waitForDisplayed({ timeout: 5_000 });
    await link.click();
    await (await browser.$(".page-result .status-panel, [data-testid=status-panel]")).waitForExist({ timeout: 5_000 });
    await until(
      () => browser.execute(() => document.querySelector("[data-testid=status-panel]")?.textContent?.includes("Completed") ?? false),
      COMPLETE_MS,
      "the edit to complete",
      100,
    );
    await assertResultImagesShown("file-input-result");
    // The saved output is the dropped picture, edited by the (simulated) model: each channel 255 − v.
    const src = await browser.execute(() => document.querySelector(".page-result .outputs img").src);
    const path = decodeURIComponent(new URL(src).pathname).replace(/^\/+/, "/");
    const { stdout } = await execFile("convert", [path, "-format", "%w %h %[pixel:p{10,10}]", "info:"]);
    console.log(`edited output ${path}: ${stdout}`);
    assert.match(stdout, /^64 48 srgb\(245,155,5\)/, "the output was computed from the dropped picture");
    await until(
      () => browser.execute(() => (document.querySelector(".input-thumb")?.naturalWidth ?? 0) === 64),
      5_000,
      "the kept input shown with the result (inputs/ is in the asset scope)",
    );
    await shot("file-input-result");
    await (await browser.$("[data-testid=use-as-input]")).click();
    await (await browser.$(".carried-input")).waitForDisplayed({ timeout: 5_000 });
    await (await browser.$('input[aria-label="Model (owner/name)"]')).setValue("black-forest-labs/flux-kontext-pro");
    await until(
      () => browser.execute(() => [...document.querySelectorAll('[data-field="input_image"] .file-preview img')].some((i) => i.complete && i.naturalWidth === 64)),
      10_000,
      "the result carried into the edit model's field",
    );
    await shot("file-used-as-input");
  });

  test("in Russian (Settings → Language): the tray's menu and a notification speak Russian", async () => {
    await browser.keys("Escape"); // the dropdown of the previous test
    await browser.setWindowSize(1100, 760);
    await (await browser.$('nav.nav a[href="#/settings"]')).click();
    const select = await browser.$("select#language");
    await select.waitForDisplayed({ timeout: 5_000 });
    await select.selectByAttribute("value", "ru");
    await until(async () => (await browser.execute(() => document.documentElement.lang)) === "ru", 5_000, "the window to switch to Russian");
    await (await browser.$('nav.nav a[href="#/"]')).click();
    const prompt = await browser.$("textarea#prompt");
    await prompt.waitForDisplayed({ timeout: 5_000 });
    await prompt.setValue("Маяк на скале в сумерках, тест окна");
    const before = notifications().length;
    await (await browser.$("form.create-form button[type=submit]")).click();
    const refocus = await unfocusWindow();
    try {
      await until(async () => !(await windowHasFocus()), 5_000, "the window to lose the focus");
      const ready = (n) => n.title === "Генерация готова: 1 изображение" && (n.body ?? "").includes("Маяк на скале");
      const { value: seen } = await until(
        () => notifications().slice(before).find(ready) ?? null,
        COMPLETE_MS,
        "a Russian 'Генерация готова' Notify call on the session bus",
        100,
      );
      console.log(`Russian notification: ${JSON.stringify(seen)}`);
      if (SNI_WATCHER) {
        const { value: tray } = await until(async () => {
          const t = await readTray();
          return t && /^⟳ \d+ не просмотрено$/.test(t.menu[0] ?? "") ? t : null;
        }, TRAY_MS, "the tray's menu in Russian");
        console.log(`tray in Russian: ${JSON.stringify(tray)}`);
        assert.ok(tray.menu.includes("Показать окно") && tray.menu.includes("Выйти из Genqueue"), JSON.stringify(tray.menu));
      }
      await screenShot("russian-notification");
    } finally {
      await refocus();
    }
  });

  test("any model: the browser finds a video model by a word of its description; its video plays; a text result shows", async () => {
    // Language-neutral selectors: the previous test left the window in Russian.
    await (await browser.$('nav.nav a[href="#/"]')).click();
    await (await browser.$(".model-picker-row .btn")).click();
    const search = await browser.$(".browser input[type=search]");
    await search.waitForDisplayed({ timeout: 5_000 });
    await search.setValue("clip");
    const card = await browser.$(".browser-card*=replicate-sim/bouncing-ball");
    await card.waitForDisplayed({ timeout: 10_000 });
    await (await card.$(".browser-card-main")).click();
    const fields = await browser.$("[data-testid=browser-fields]");
    await fields.waitForDisplayed({ timeout: 10_000 });
    assert.ok((await fields.getProperty("textContent")).includes("duration"), "the model's inputs are shown before choosing it");
    await shot("model-browser");
    await (await browser.$(".browser-details .btn-primary")).click();
    await until(async () => (await browser.$$(".browser")).length === 0, 5_000, "the browser to close");
    assert.equal(await (await browser.$(".model-picker-row input")).getValue(), "replicate-sim/bouncing-ball");
    const prompt = await browser.$("textarea#prompt");
    await prompt.setValue("A red ball bouncing, window test");
    // The create page's "Queued … Open" link: the earlier test's, then this one's.
    const queuedId = () => browser.execute(() => document.querySelector(".notice-ok a[href^='#/result/']")?.getAttribute("href")?.slice("#/result/".length) ?? null);
    const earlier = await queuedId();
    await (await browser.$("form.create-form button[type=submit]")).click();
    const { value: id } = await until(
      async () => {
        const now = await queuedId();
        return now && now !== earlier ? now : null;
      },
      AT_ONCE_MS * 3,
      "the new generation's link",
    );
    await until(async () => !(await spinning()), COMPLETE_MS, "the video generation to complete", 200);
    await browser.execute((gid) => (location.hash = `#/result/${gid}`), id);
    const video = await browser.$("[data-testid=output-video]");
    await video.waitForExist({ timeout: 10_000 });
    await until(
      () => browser.execute(() => document.querySelector("[data-testid=output-video]").readyState >= 1),
      10_000,
      "the video's metadata to load",
      100,
    );
    const started = await browser.executeAsync((done) => {
      const v = document.querySelector("[data-testid=output-video]");
      v.muted = true;
      v.play().then(() => done("ok"), (e) => done(String(e)));
    });
    assert.equal(started, "ok", "the video element starts playing");
    const t0 = await browser.execute(() => document.querySelector("[data-testid=output-video]").currentTime);
    const { value: state } = await until(
      () =>
        browser.execute((t) => {
          const v = document.querySelector("[data-testid=output-video]");
          return !v.paused && v.readyState >= 2 && v.currentTime > t + 0.3 ? { t: v.currentTime, w: v.videoWidth, h: v.videoHeight, src: v.currentSrc } : null;
        }, t0),
      10_000,
      "the video to play with its time advancing",
      100,
    );
    console.log(`video playing: ${JSON.stringify(state)}`);
    assert.equal(state.w, 160, "the decoded frames are the fixture's 160 px");
    await shot("result-video-playing");
    await screenShot("result-video-playing");

    // A language model: its text, shown.
    await (await browser.$('nav.nav a[href="#/"]')).click();
    const model = await browser.$(".model-picker-row input");
    await model.waitForDisplayed({ timeout: 5_000 });
    await model.setValue("replicate-sim/storyteller");
    await (await browser.$("textarea#prompt")).setValue("a lighthouse keeper");
    await browser.pause(800); // the form of a typed model loads after a pause
    const before = await queuedId();
    await (await browser.$("form.create-form button[type=submit]")).click();
    const { value: textId } = await until(
      async () => {
        const now = await queuedId();
        return now && now !== before ? now : null;
      },
      AT_ONCE_MS * 3,
      "the text generation's link",
    );
    await until(async () => !(await spinning()), COMPLETE_MS, "the text generation to complete", 200);
    await browser.execute((gid) => (location.hash = `#/result/${gid}`), textId);
    const { value: text } = await until(
      () => browser.execute(() => document.querySelector("[data-testid=output-text]")?.textContent ?? null).then((t) => (t && t !== "…" ? t : null)),
      10_000,
      "the text result to show",
      100,
    );
    assert.ok(text.startsWith("Once upon a time there was a lighthouse keeper."), `text shown: ${text}`);
    await shot("result-text");
  });
});
