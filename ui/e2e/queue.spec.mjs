// Batches, priority (buttons, keyboard, drag and drop), pause/resume, ETA.
import { assert, test, until } from "./harness.mjs";

const pendingIds = (page) => page.locator('[data-testid="pending-list"] > li').evaluateAll((els) => els.map((e) => e.dataset.id));
const dispatchIds = (page) => page.evaluate(() => window.__fake.dispatchList().map((g) => g.id));

test("batch: several prompts, one a line, queue as one batch with its own progress and cancel/retry", async ({ page, open, shot }) => {
  await open("scenario=empty&clock=manual");
  await page.getByRole("radio", { name: "Several prompts" }).click();
  await page.getByLabel("Prompts, one a line").fill("A red fox in the snow\n\nA lighthouse at dusk\nA koi pond, watercolor\n");
  await page.getByRole("button", { name: "One image more" }).click();
  await until("batch size", async () => (await page.getByTestId("batch-size").textContent()) === "3 prompts · 6 generations");
  await page.getByRole("button", { name: /^Create 6/ }).click();
  await page.getByText("Queued a batch of 6 generations.").waitFor();
  const create = await page.evaluate(() => window.__fake.calls.find((c) => c.cmd === "create_generation").args);
  assert(JSON.stringify(create.prompts) === JSON.stringify(["A red fox in the snow", "A lighthouse at dusk", "A koi pond, watercolor"]) && create.count === 2, `create args ${JSON.stringify(create)}`);
  await page.getByRole("link", { name: "Open" }).click();
  const progress = page.getByTestId("batch-progress");
  await until("0 of 6", async () => (await progress.textContent()) === "0 of 6 done");
  const ids = await page.evaluate(() => [...window.__fake.generations.keys()]);
  await page.evaluate((all) => {
    window.__fake.start(all[0]);
    window.__fake.complete(all[0]);
    window.__fake.start(all[1]);
    window.__fake.complete(all[1]);
    window.__fake.start(all[2]);
    window.__fake.failGeneration(all[2]);
    window.__fake.start(all[3]);
    window.__fake.progress(all[3], 40);
  }, ids);
  await until("3 of 6", async () => (await progress.textContent()) === "3 of 6 done");
  await page.getByTestId("batch-panel").scrollIntoViewIfNeeded();
  await page.waitForTimeout(200);
  await shot("batch-light");
  await page.getByRole("button", { name: "Cancel batch" }).click();
  await until("cancelled note", async () => (await page.locator(".batch .notice-ok").textContent()) === "Cancelled 3 generations.");
  await until("6 of 6", async () => (await progress.textContent()) === "6 of 6 done");
  await page.getByRole("button", { name: "Retry failed" }).click();
  await until("retrying 4", async () => (await page.locator(".batch .notice-ok").textContent()) === "Retrying 4 generations.");
  await until("2 of 6 after retry", async () => (await progress.textContent()) === "2 of 6 done");
});

test("queue: dispatch order, run next / top / up / down, Alt+arrows, drag to reorder", async ({ page, open, shot }) => {
  await open("scenario=busy&clock=manual", "/queue");
  await page.locator('[data-testid="pending-list"] > li').first().waitFor();
  const order = await pendingIds(page);
  assert(order.join() === (await dispatchIds(page)).join(), `shown in dispatch order: ${order}`);
  assert(order.length === 9, `9 queued, got ${order.length}`);
  await until("ETAs", async () => (await page.locator('[data-testid="pending-list"] [data-testid="eta"]').allTextContents()).every((t) => /^~/.test(t)));
  await shot("queue-light");
  const row = (id) => page.locator(`[data-testid="pending-list"] > li[data-id="${id}"]`);
  // Run next: the last one goes first, in the UI and in the store.
  const last = order.at(-1);
  await row(last).getByRole("button", { name: "Run next" }).click();
  await until("run next", async () => (await dispatchIds(page))[0] === last && (await pendingIds(page))[0] === last);
  // Move down, then up, by buttons.
  await row(last).getByRole("button", { name: "Move down" }).click();
  await until("down", async () => (await dispatchIds(page))[1] === last && (await pendingIds(page))[1] === last);
  await row(last).getByRole("button", { name: "Move up" }).click();
  await until("up", async () => (await dispatchIds(page))[0] === last);
  const fourth = (await pendingIds(page))[3];
  await row(fourth).getByRole("button", { name: "Move to top" }).click();
  await until("top", async () => (await dispatchIds(page))[0] === fourth);
  // Keyboard: ↓ moves focus, Alt+↓ moves the row (and focus stays on it).
  await row(fourth).locator(".queue-row-main").focus();
  await page.keyboard.press("ArrowDown");
  const second = (await pendingIds(page))[1];
  await until("↓ moves to the next row", async () => (await page.evaluate(() => document.activeElement.closest("li")?.dataset.id)) === second);
  const focusedId = second;
  await page.keyboard.press("Alt+ArrowDown");
  await until("alt+down", async () => (await dispatchIds(page))[2] === focusedId);
  assert((await page.evaluate(() => document.activeElement.closest("li")?.dataset.id)) === focusedId, "focus follows the moved row");
  // Drag the first row below the fourth.
  const before = await pendingIds(page);
  await row(before[0]).locator('[data-testid="drag-handle"]').dragTo(row(before[3]), { targetPosition: { x: 200, y: 40 } });
  const expected = [before[1], before[2], before[3], before[0], ...before.slice(4)];
  await until("dragged", async () => (await dispatchIds(page)).join() === expected.join(), 3000);
  assert((await pendingIds(page)).join() === expected.join(), "the list shows the new order");
  const reorder = await page.evaluate(() => window.__fake.calls.filter((c) => c.cmd === "reorder_pending").at(-1).args.ids);
  assert(reorder.join() === expected.join(), "reorder_pending got the whole order");
  // Moves are announced for screen readers.
  assert((await page.locator("[aria-live=polite]").textContent()).includes("to position 4"), "announced");
});

test("pause and resume from the header; ETA for running ones and the whole queue, recomputed each second", async ({ page, open }) => {
  await open("scenario=busy&clock=manual", "/queue");
  await page.locator('[data-testid="pending-list"] > li').first().waitFor();
  const total = page.getByTestId("queue-total");
  await until("total ETA", async () => /Whole queue done in ~/.test(await total.textContent()));
  const running = page.locator(".queue-row:not(.queue-row-pending) [data-testid=eta]");
  assert((await running.count()) === 3, "3 running");
  const first = await running.first().textContent();
  await page.waitForTimeout(2100);
  const later = await running.first().textContent();
  assert(first !== later, `running ETA recomputed each second: ${first} → ${later}`);
  assert(await page.getByTestId("header-eta").isVisible(), "whole-queue ETA in the header");
  // Pause from the header.
  await page.getByRole("button", { name: "Pause the queue" }).click();
  await page.getByTestId("resume-queue").waitFor();
  assert(await page.evaluate(() => window.__fake.info.paused), "pause_queue reached the backend");
  await until("paused ETA", async () => (await total.textContent()) === "Whole queue: no estimate yet");
  await page.getByText("The queue is paused: nothing new starts until you resume.").waitFor();
  await page.getByTestId("resume-queue").click();
  await page.getByRole("button", { name: "Pause the queue" }).waitFor();
  assert(!(await page.evaluate(() => window.__fake.info.paused)), "resume_queue reached the backend");
  // A tray pause arrives as an event.
  await page.evaluate(() => window.__fake.handle("pause_queue"));
  await page.getByTestId("resume-queue").waitFor();
});

test("keyboard: Alt+Q opens the dropdown, arrows move, Enter opens a result; icon buttons have names", async ({ page, open }) => {
  await open("scenario=ready&clock=manual", "/history");
  await page.locator(".history-row").first().waitFor();
  await page.keyboard.press("Alt+KeyQ");
  await page.locator(".queue").waitFor();
  assert(await page.locator(".queue-item").first().evaluate((el) => el === document.activeElement), "first item focused");
  await page.keyboard.press("ArrowDown");
  const id = await page.evaluate(() => document.activeElement.dataset.id);
  await page.keyboard.press("Enter");
  await until("result opened", async () => page.url().endsWith(`#/result/${id}`));
  // Focus is visible: what Tab reaches shows the focus ring.
  await page.getByTestId("status-panel").waitFor();
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => ({ tag: document.activeElement.tagName, text: document.activeElement.textContent.slice(0, 20), shadow: getComputedStyle(document.activeElement).boxShadow, outline: getComputedStyle(document.activeElement).outlineStyle }));
  assert((ring.shadow && ring.shadow !== "none") || ring.outline !== "none", `visible focus, got ${JSON.stringify(ring)}`);
  // Every button has an accessible name.
  for (const route of ["/queue", "/history", "/"]) {
    await open("scenario=busy&clock=manual", route);
    await page.waitForTimeout(300);
    const nameless = await page.locator("button").evaluateAll((els) => els.filter((b) => !(b.getAttribute("aria-label") || b.textContent.trim() || b.getAttribute("title"))).map((b) => b.outerHTML.slice(0, 80)));
    assert(nameless.length === 0, `buttons without a name on ${route}: ${nameless.join(" ")}`);
  }
  // With nothing unviewed, Alt+Q opens the Queue page.
  await page.evaluate(() => window.__fake.handle("mark_all_viewed"));
  await until("counter hidden", async () => (await page.getByTestId("queue-counter").count()) === 0);
  await page.keyboard.press("Alt+KeyQ");
  await until("queue page", async () => page.url().endsWith("#/queue"));
});
