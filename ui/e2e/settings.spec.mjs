// Settings (theme and language at once, notifications, concurrency, storage, API base) and the Russian UI.
import { assert, test, until } from "./harness.mjs";

const bg = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test("settings: theme applies at once, every setting is saved, bad values are refused inline", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/settings");
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  await shot("settings-light");
  const light = await bg(page);
  await page.getByRole("radio", { name: "Dark" }).check();
  await until("dark at once", async () => (await bg(page)) !== light);
  assert((await page.evaluate(() => document.documentElement.dataset.theme)) === "dark", "data-theme=dark");
  await shot("settings-dark");
  await page.getByRole("radio", { name: "System" }).check();
  await until("system (light here)", async () => (await bg(page)) === light);
  await page.getByRole("radio", { name: "Never" }).check();
  await page.getByLabel("Also notify when the whole queue has finished").uncheck();
  await page.getByLabel("Start paused after a crash").check();
  await until("saved", async () => {
    const s = await page.evaluate(() => window.__fake.settings);
    return s.notifications === "never" && !s.notify_queue_finished && s.start_paused_after_crash && s.theme === "system";
  });
  // Per-token concurrency.
  const personal = page.getByLabel("Generations at once for Personal");
  await personal.fill("6");
  await personal.press("Tab");
  await until("concurrency", async () => (await page.evaluate(() => [...window.__fake.tokens.values()].find((t) => t.label === "Personal").max_concurrency)) === 6);
  // Storage and network: checked before saving.
  await page.getByLabel("API base URL").fill("ftp://proxy");
  await page.getByRole("radio", { name: "For a number of days" }).check();
  await page.getByLabel("Days to keep finished generations").fill("0");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByText("Enter an http(s) URL.").waitFor();
  await page.getByText("Enter a whole number of days from 1 to 3650.").waitFor();
  await page.getByLabel("API base URL").fill("http://127.0.0.1:8080/v1");
  await page.getByLabel("Days to keep finished generations").fill("30");
  await page.getByLabel("Output folder").fill("/home/ada/Pictures/genqueue");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await until("storage saved", async () => {
    const s = await page.evaluate(() => window.__fake.settings);
    return s.api_base === "http://127.0.0.1:8080/v1" && s.retention_days === 30 && s.output_folder === "/home/ada/Pictures/genqueue";
  });
});

test("language follows the OS locale (navigator.language) unless set", async ({ page, open }) => {
  await page.addInitScript(() => Object.defineProperty(navigator, "language", { get: () => "ru-RU" }));
  await open("scenario=ready&clock=manual", "/");
  await page.getByRole("heading", { name: "Создать" }).waitFor();
  assert((await page.evaluate(() => document.documentElement.lang)) === "ru", "<html lang=ru>");
  await page.getByRole("link", { name: "Настройки" }).click();
  await page.getByLabel("Язык").selectOption("en");
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  assert((await page.evaluate(() => window.__fake.settings.language)) === "en", "language saved");
});

test("Russian: every page, plurals (1 генерация, 2 генерации, 5 генераций), dates and relative times", async ({ page, open, shot }) => {
  await open("scenario=busy&clock=manual&language=ru", "/");
  await page.getByRole("heading", { name: "Создать" }).waitFor();
  await page.locator(".settings-grid").waitFor();
  await shot("ru-create");
  // Plurals through the batch counter: 1, 2 and 5 prompts.
  await page.getByRole("radio", { name: "Несколько промптов" }).click();
  const size = page.getByTestId("batch-size");
  const prompts = page.getByLabel("Промпты, по одному в строке");
  await prompts.fill("a");
  await until("1", async () => (await size.textContent()) === "1 промпт · 1 генерация");
  await prompts.fill("a\nb");
  await until("2", async () => (await size.textContent()) === "2 промпта · 2 генерации");
  await prompts.fill("a\nb\nc\nd\ne");
  await until("5", async () => (await size.textContent()) === "5 промптов · 5 генераций");
  await page.getByRole("button", { name: "Создать 5" }).click();
  await page.getByText("В очереди пакет из 5 генераций.").waitFor();
  const counter = await page.getByTestId("queue-counter").getAttribute("aria-label");
  assert(/^\d+ непросмотренн(ая|ые|ых) генераци(я|и|й), \d+ выполня/.test(counter), `counter label: ${counter}`);

  await open("scenario=busy&clock=manual&language=ru", "/queue");
  await page.getByRole("heading", { name: "Очередь", exact: true }).waitFor();
  await page.locator('[data-testid="pending-list"] > li').first().waitFor();
  await until("ETA in Russian", async () => /закончится через ~/.test(await page.getByTestId("queue-total").textContent()));
  await shot("ru-queue");

  await open("scenario=history&clock=manual&language=ru", "/history");
  await page.getByRole("heading", { name: "История", exact: true }).waitFor();
  await until("total", async () => /^100\s021 генерация$/.test(await page.getByTestId("history-count").textContent()));
  await until("thumbnails", () => page.locator(".history-row .thumb img").evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 1)));
  // Dates in Russian: month names of the archive rows.
  await page.getByTestId("history-search").fill("маяк");
  await page.getByText("Под эти фильтры ничего не подходит.").waitFor();
  await page.getByTestId("history-search").fill("");
  await page.getByTestId("history-list").evaluate((el) => (el.scrollTop = 64 * 300));
  await until("Russian months", async () => /(янв|февр|мар|апр|мая|июн|июл|авг|сент|окт|нояб|дек)/.test((await page.locator(".history-row time").allTextContents()).join(" ")));
  await page.getByTestId("history-list").evaluate((el) => (el.scrollTop = 0));
  await page.waitForTimeout(200);
  await shot("ru-history");

  await open("scenario=ready&clock=manual&language=ru", "/tokens");
  await page.getByRole("heading", { name: "Токены", exact: true }).waitFor();
  await until("relative time", async () => (await page.locator(".token-figures").first().textContent()).includes("4 минуты назад"));
  await shot("ru-tokens");

  await open("scenario=ready&clock=manual&language=ru", "/settings");
  await page.getByRole("heading", { name: "Настройки", exact: true }).waitFor();
  await shot("ru-settings");

  await open("scenario=ready&clock=manual&language=ru", "/result/gen_0003");
  await page.locator(".output img").first().waitFor();
  await page.getByText("Запустить ещё раз").waitFor();
  await shot("ru-result");

  // No English left on the screens above: a few English-only words must not appear.
  for (const route of ["/", "/queue", "/history", "/tokens", "/settings", "/result/gen_0005"]) {
    await open("scenario=busy&clock=manual&language=ru", route);
    await page.waitForTimeout(400);
    const text = await page.locator("#root").innerText();
    const english = text.match(/\b(Create|Queue|History|Tokens|Settings|Queued|Running|Completed|Failed|Cancelled|Retry|Delete|Cancel|Prompt|Model|Loading|Search|Save|Open)\b/g);
    assert(!english, `English on ${route}: ${english}`);
  }
});

test("settings → telegram: token kept out of the page, find my chat, test message; light, dark and Russian", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/settings");
  const section = page.getByTestId("telegram-section");
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: "test-artifacts/settings-telegram-empty.png" });
  await page.getByLabel("Bot token").fill("600000123:AAx1_Y-x1_Y-x1_Y-x1_Y-x1_Y-x1_Y-x1");
  await page.getByRole("button", { name: "Save token" }).click();
  await page.getByTestId("telegram-token-set").waitFor();
  assert(!(await page.content()).includes("AAx1_Y-x1_Y"), "the token is not in the page once saved");
  await page.getByRole("button", { name: "Find my chat" }).click();
  await page.getByTestId("telegram-chats").getByRole("button", { name: /Ada/ }).click();
  await page.getByRole("button", { name: "Save chat and server" }).click();
  await until("chat saved", async () => (await page.evaluate(() => window.__fake.settings.telegram.chat_id)) === "424242");
  await page.getByRole("button", { name: "Send a test message" }).click();
  await page.getByText("Sent by @genqueue_demo_bot: check the chat.").waitFor();
  await page.evaluate(() => {
    window.__fake.telegram.status = { pending: 2, sent: 5, dropped: 0, retrying: "Telegram cannot be reached: connection refused", last_failure: null };
  });
  await section.screenshot({ path: "test-artifacts/settings-telegram-configured.png" });
  await shot("settings-telegram-page");
});

test("settings → telegram in the dark theme and in Russian, with a failure shown", async ({ page, open }) => {
  await page.addInitScript(() => Object.defineProperty(navigator, "language", { get: () => "ru-RU" }));
  await open("scenario=ready&clock=manual", "/", { colorScheme: "dark" });
  await page.evaluate(() => {
    window.__fake.telegram.token = "600000123:AAx1_Y-x1_Y-x1_Y-x1_Y-x1_Y-x1_Y-x1";
    window.__fake.telegram.status = { pending: 3, sent: 12, dropped: 0, retrying: "Telegram failed (502): Bad Gateway", last_failure: { message: "Telegram refused the request (400): Bad Request: chat not found; check the chat id (use \"Find my chat\" after writing to the bot)", at: new Date().toISOString() } };
  });
  await page.evaluate(() => (location.hash = "#/settings"));
  const section = page.getByTestId("telegram-section");
  await section.waitFor();
  await page.getByTestId("telegram-failure").waitFor();
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: "test-artifacts/settings-telegram-dark-ru.png" });
});
