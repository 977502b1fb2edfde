// The seed's two scenarios, plus the dropdown's details.
import { assert, test, until } from "./harness.mjs";

const counterN = (page) => page.getByTestId("counter-n").textContent({ timeout: 2000 });

test("create: the counter goes +1 at once, before any event", async ({ page, open }) => {
  // Events reach the page only after 3 s: the +1 must come from the create answer.
  await open("scenario=empty&clock=manual&eventDelay=3000");
  assert((await page.getByTestId("queue-counter").count()) === 0, "counter hidden at 0");
  await page.getByLabel("Prompt", { exact: true }).fill("A red bicycle leaning on a yellow wall");
  const t0 = Date.now();
  await page.getByRole("button", { name: /^Create/ }).click();
  await until("counter shows 1", async () => (await counterN(page)) === "1", 1500);
  assert(Date.now() - t0 < 1500, "counter updated before the delayed events");
  assert(await page.getByTestId("counter-glyph").evaluate((el) => el.classList.contains("spinning")), "⟳ spins while a generation is active");
  // Ctrl+Enter creates two more.
  await page.getByLabel("Number of images").fill("2");
  await page.getByLabel("Prompt", { exact: true }).press("Control+Enter");
  await until("counter shows 3", async () => (await counterN(page)) === "3", 1500);
  // The delayed events then arrive: still 3, not double counted.
  await page.waitForTimeout(3300);
  assert((await counterN(page)) === "3", `counter stays 3 after the events, got ${await counterN(page)}`);
});

test("dropdown: click a generation → viewed, counter −1, result shown", async ({ page, open }) => {
  await open("scenario=ready&clock=manual");
  await until("counter shows 5", async () => (await counterN(page)) === "5");
  await page.getByTestId("queue-counter").click();
  const items = page.locator(".queue-item");
  assert((await items.count()) === 5, "5 latest unviewed in the dropdown");
  const first = await items.first().textContent();
  assert(first.includes("Neon koi"), `newest first, got ${first}`);
  const statuses = await page.locator(".queue-item .status-icon").evaluateAll((els) => els.map((e) => e.dataset.status));
  assert(statuses.join(",") === "pending,processing,failed,completed,completed", `status icons: ${statuses}`);
  const target = items.nth(3);
  const id = await target.getAttribute("data-id");
  await target.click();
  await until("result page", async () => page.url().endsWith(`#/result/${id}`));
  await until("counter shows 4", async () => (await counterN(page)) === "4");
  await page.locator(".output img").first().waitFor();
  assert((await page.locator(".queue").count()) === 0, "dropdown closed");
  await page.getByTestId("queue-counter").click();
  assert((await page.locator(`.queue-item[data-id="${id}"]`).count()) === 0, "viewed generation left the dropdown");
  const viewed = await page.evaluate((gid) => window.__fake.generations.get(gid).viewed, id);
  assert(viewed, "mark_viewed reached the backend");
});

test("events drive the counter and the dropdown (progress, completion)", async ({ page, open }) => {
  await open("scenario=ready&clock=manual");
  await until("counter shows 5", async () => (await counterN(page)) === "5");
  await page.getByTestId("queue-counter").click();
  const running = page.locator(".queue-item", { hasText: "Isometric cozy library" });
  await until("progress 45", async () => (await running.getByRole("progressbar").getAttribute("aria-valuenow")) === "45");
  await page.evaluate(() => window.__fake.progress("gen_0006", 80));
  await until("progress 80", async () => (await running.getByRole("progressbar").getAttribute("aria-valuenow")) === "80");
  await page.evaluate(() => {
    window.__fake.complete("gen_0006");
    window.__fake.start("gen_0007");
    window.__fake.complete("gen_0007");
  });
  await until("both done", async () => (await page.locator(".queue-item .status-completed").count()) === 4);
  assert(!(await page.getByTestId("counter-glyph").evaluate((el) => el.classList.contains("spinning"))), "⟳ stops when nothing is active");
  await page.getByRole("button", { name: "Mark all viewed" }).click();
  await until("counter hidden", async () => (await page.getByTestId("queue-counter").count()) === 0);
});
