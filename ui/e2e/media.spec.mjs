// Issue #13, the rest: a create refused with Replicate's 422 `invalid_fields`
// shows each problem on its field; "Use as input" from history and the dropdown.
import { assert, test, until } from "./harness.mjs";

const SEED_PROBLEM = "Must be less than or equal to 4294967295";

test("a 422 naming a field: the result shows it on that setting, Fix in the form marks the field", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual");
  await page.getByLabel("Prompt", { exact: true }).fill("A lighthouse in a storm, oil painting");
  // Our form takes any whole seed; Replicate's schema caps it.
  const seed = page.locator('[data-field="seed"] input');
  await seed.fill("99999999999");
  await page.getByRole("button", { name: /^Create/ }).click();
  const id = await until("created", () =>
    page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.prompt.startsWith("A lighthouse in a storm"))?.id ?? null),
  );
  // What core stores for Replicate's 422 (one `invalid_fields` entry a line).
  await page.evaluate(
    ([gid, problem]) => window.__fake.failGeneration(gid, `- input.seed: ${problem}`, "input_rejected"),
    [id, SEED_PROBLEM],
  );
  await page.goto(page.url().replace(/#.*$/, `#/result/${id}`));
  const onSetting = page.locator('[data-problem="seed"]');
  await onSetting.waitFor();
  assert((await onSetting.textContent()) === SEED_PROBLEM, "the problem sits under the seed setting");
  await shot("result-rejected-field");
  await page.getByTestId("fix-in-form").click();
  await until("create page", async () => page.url().endsWith("#/"));
  const field = page.locator('[data-field="seed"]');
  await until("the seed field is marked", async () => (await field.locator(".field-error").textContent().catch(() => "")) === SEED_PROBLEM);
  assert((await seed.inputValue()) === "99999999999", "the refused value is back in its field");
  assert((await page.getByLabel("Prompt", { exact: true }).inputValue()) === "A lighthouse in a storm, oil painting", "the prompt is back");
  assert((await page.getByLabel("Model (owner/name)").inputValue()) === "black-forest-labs/flux-schnell", "the model is back");
  await field.evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot("create-rejected-field");
  // Fixed and sent again: the form's own checks pass, a new generation is made.
  await seed.fill("42");
  await page.getByRole("button", { name: /^Create/ }).click();
  await until("created again", () =>
    page.evaluate(() => [...window.__fake.generations.values()].some((g) => g.prompt.startsWith("A lighthouse in a storm") && g.settings.seed === 42)),
  );
});
