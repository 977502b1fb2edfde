// Spend: the page (totals, chart, per model/token, budgets, price lines) and
// the estimate shown before Create.
import { assert, test, until } from "./harness.mjs";

test("spend: totals and a daily chart, budgets saved, a bad price line refused with its line", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/spend");
  await page.getByRole("heading", { name: "Spend", exact: true }).waitFor();
  await page.locator(".spend-chart canvas").first().waitFor();
  const fake = await page.evaluate(() => {
    const gens = [...window.__fake.generations.values()].filter((g) => g.status === "completed" && g.model_name === "black-forest-labs/flux-schnell");
    return gens.reduce((s, g) => s + 3000 * Math.max(1, g.output_files.length), 0);
  });
  assert(fake > 0, "the scenario has completed FLUX Schnell generations");
  const perModel = await page.getByRole("region", { name: "Per model" }).getByRole("row", { name: /flux-schnell/ }).innerText();
  const dollars = `$${(fake / 1e6).toFixed(fake < 10000 ? 3 : 2)}`;
  assert(perModel.includes(dollars), `per model shows ${dollars}: ${perModel}`);
  await shot("spend-light");

  await page.getByLabel("Daily limit", { exact: true }).fill("5");
  await page.getByLabel("Monthly limit", { exact: true }).fill("abc");
  await page.getByRole("button", { name: "Save budgets and prices" }).click();
  await page.getByText("Enter an amount in dollars, like 5 or 0.50.").waitFor();
  await page.getByLabel("Monthly limit", { exact: true }).fill("50.00");
  await page.getByLabel("Your prices").fill("acme/model 0.02 per image\nacme/other 0.0.1 per image");
  await page.getByRole("button", { name: "Save budgets and prices" }).click();
  await page.getByText(/line 2: .*acme\/other 0\.0\.1 per image/).waitFor();
  await page.getByLabel("Your prices").fill("acme/model 0.02 per image");
  await page.getByRole("button", { name: "Save budgets and prices" }).click();
  await until("budgets saved", async () => {
    const s = await page.evaluate(() => window.__fake.spend);
    return s.daily_limit === 5_000_000 && s.monthly_limit === 50_000_000 && s.prices === "acme/model 0.02 per image";
  });
  await page.getByText("of $5.00").waitFor();
  await page.getByTestId("spend-zone").getByText("Days start at midnight, UTC time.").waitFor();
  await shot("spend-budgets");
});

test("spend: a held queue says which budget and how many wait", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/spend");
  await page.evaluate(() => window.__fake.holdForBudget("daily_budget", 5_000_000));
  await page.getByRole("link", { name: "Queue" }).click();
  await page.getByRole("link", { name: "Spend" }).click();
  await page.getByText(/Daily budget \$5\.00 reached.*generations? waiting/).waitFor();
  await shot("spend-held");
});

test("spend: the estimate before Create (about $0.12 for 40 images)", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/");
  await page.locator(".settings-grid").waitFor();
  await page.getByLabel("Prompt", { exact: true }).fill("A lighthouse in a storm");
  await page.getByTestId("cost-estimate").waitFor();
  await until("one image", async () => (await page.getByTestId("cost-estimate").innerText()).includes("About $0.003 for 1 image"));
  await page.locator("#count").fill("40");
  await until("forty images", async () => (await page.getByTestId("cost-estimate").innerText()).includes("About $0.12 for 40 images"));
  await shot("create-estimate");
});

test("spend: a result shows what it cost and how it was counted", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/result/gen_0003");
  const cost = page.getByTestId("cost");
  await cost.waitFor();
  const g = await page.evaluate(() => window.__fake.generations.get("gen_0003"));
  assert(g.model_name === "black-forest-labs/flux-dev" && g.output_files.length === 4, "FLUX Dev, four images");
  const text = await cost.innerText();
  // FLUX Dev: $0.025 an image (its model page), four images.
  assert(text.includes("$0.10 · 4 images × $0.025"), `cost line: ${text}`);
  await shot("result-cost");
});

test("spend: history shows each generation's cost and the filter's total from the store, unknown prices counted apart", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/history");
  const total = page.getByTestId("history-total");
  // By hand, from the scenario: FLUX Schnell $0.003 + $0.003 (one image each), FLUX Dev 4 × $0.025,
  // SDXL's failed run 6 s × $0.000975 = $0.00585, the cancelled SDXL never ran ($0): $0.11185 spent;
  // queued FLUX Schnell about $0.003 and running FLUX Dev about $0.025 to come.
  await until("the whole history's total", async () => (await total.innerText()) === "Cost: $0.11 + about $0.03 to come");
  const row = (text) => page.locator(".history-row", { hasText: text }).getByTestId("history-cost");
  await until("rows' costs", async () => (await row("Misty mountain valley").innerText()) === "$0.10");
  assert((await row("Portrait of an old sailor").innerText()) === "$0.00", "a cancelled run that never started cost nothing");
  assert((await row("Isometric cozy library").innerText()) === "about $0.03", "a running one shows its estimate");

  // A model the price table does not know: "unknown", counted apart, never $0.
  await page.evaluate(() => {
    const f = window.__fake;
    const g = f.newGeneration("acme/no-price", "A teapot shaped like a snail", { num_outputs: 1 });
    f.save({ ...g, status: "completed", replicate_status: "succeeded", progress: 100, started_at: new Date(Date.now() - 4000).toISOString(), completed_at: new Date().toISOString(), prediction_id: "pnp" });
  });
  await until("unknown counted", async () => (await total.innerText()) === "Cost: $0.11 + about $0.03 to come, 1 unknown");
  await until("unknown row", async () => (await row("A teapot shaped like a snail").innerText()) === "unknown");
  await shot("history-costs");

  // A filter's total covers the filter only.
  await page.getByLabel("Model", { exact: true }).selectOption("black-forest-labs/flux-schnell");
  await until("FLUX Schnell's total", async () => (await total.innerText()) === "3 generations · $0.006 + about $0.003 to come");
  await shot("history-costs-filtered");
});

test("spend: the history's total counts every page, not the rows loaded", async ({ page, open }) => {
  await open("scenario=history&clock=manual", "/history");
  const total = page.getByTestId("history-total");
  await page.getByRole("button", { name: "Completed", exact: true }).click();
  const text = await until("the filter's total", async () => {
    const t = await total.innerText();
    return /^[\d,]+ generations · \$[\d,.]+/.test(t) && t;
  }, 15000);
  const n = Number(text.split(" ")[0].replace(/,/g, ""));
  assert(n > 10_000, `every completed generation of the archive is counted: ${text}`);
  const rows = await page.locator(".history-row").count();
  assert(rows < 300, `only a window of rows is in the page (${rows})`);
});

test("spend: the dropdown shows what a batch cost and what is still to come", async ({ page, open, shot }) => {
  await open("scenario=empty&clock=manual");
  await page.getByLabel("Prompt", { exact: true }).fill("A red fox in the snow");
  await page.locator("#count").fill("3");
  await page.getByRole("button", { name: /^Create 3/ }).click();
  await page.getByText("Queued a batch of 3 generations.").waitFor();
  await page.getByTestId("queue-counter").click();
  const cost = page.locator(".queue").getByTestId("batch-cost");
  await until("estimates", async () => (await cost.innerText()) === "Batch of 3: $0.00 + about $0.009 to come");
  assert((await page.locator(".queue").getByTestId("batch-cost").count()) === 1, "once per batch");
  const ids = await page.evaluate(() => [...window.__fake.generations.keys()]);
  await page.evaluate((all) => {
    window.__fake.start(all[0]);
    window.__fake.complete(all[0]);
  }, ids);
  await until("one done", async () => (await cost.innerText()) === "Batch of 3: $0.003 + about $0.006 to come");
  await shot("dropdown-batch-cost");
  await page.evaluate((all) => {
    for (const id of all.slice(1)) {
      window.__fake.start(id);
      window.__fake.complete(id);
    }
  }, ids);
  await until("all done", async () => (await cost.innerText()) === "Batch of 3: $0.009");
  // The batch's own panel on a result says the same.
  await page.locator(".queue-item").first().click();
  const panel = page.getByTestId("batch-panel");
  await until("the panel's cost", async () => (await panel.getByTestId("batch-cost").innerText()) === "Cost: $0.009");
  await panel.scrollIntoViewIfNeeded();
  await shot("batch-panel-cost");
});

test("spend: costs in Russian (the history total and rows, the budgets' day boundary)", async ({ page, open, shot }) => {
  await open("scenario=busy&clock=manual&language=ru", "/history");
  const total = page.getByTestId("history-total");
  await until("Russian total", async () => /^Стоимость: \$[\d.]+ \+ около \$[\d.]+ ещё впереди$/.test(await total.innerText()));
  await until("a Russian row", async () => (await page.locator(".history-row", { hasText: "Cyberpunk noodle stand" }).getByTestId("history-cost").innerText()) === "около $0.03");
  await page.getByRole("button", { name: "Ошибка", exact: true }).click();
  await until("a filtered Russian total", async () => /^\d+ генераци[яий] · \$/.test(await total.innerText()));
  await shot("ru-history-costs");
  await page.getByRole("link", { name: "Расходы" }).click();
  await page.getByTestId("spend-zone").getByText("Сутки начинаются в полночь по времени UTC.").waitFor();
});
