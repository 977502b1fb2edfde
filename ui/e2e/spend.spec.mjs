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
