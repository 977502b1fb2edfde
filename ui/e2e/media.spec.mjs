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

const decoded = (page, sel) => page.locator(sel).evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 1));

/** Creates on `model` with the carried picture; answers the value sent for its file field. */
async function createWithCarried(page, model, prompt, { waits }) {
  await until("create page", async () => page.url().endsWith("#/"));
  if (waits) {
    // Carried while another model (no file field) was chosen: it waits, said so.
    await page.locator(".carried-input").waitFor();
    await page.getByLabel("Model (owner/name)").fill(model);
  }
  await until("field filled", () => decoded(page, '[data-field="input_image"] .file-preview img'));
  assert((await page.locator(".carried-input").count()) === 0, "no waiting notice once used");
  await page.getByLabel("Prompt", { exact: true }).fill(prompt);
  await page.getByRole("button", { name: /^Create/ }).click();
  return until("created", () =>
    page.evaluate(([m, p]) => [...window.__fake.generations.values()].find((g) => g.model_name === m && g.prompt === p)?.settings.input_image ?? null, [model, prompt]),
  );
}

test("use as input from a history row and from the dropdown", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/history");
  const row = page.locator(".history-item").filter({ has: page.locator('.history-row[data-id="gen_0003"]') });
  await row.waitFor();
  // Only outputs with a picture offer it: a failed row has none.
  const withPicture = await page.evaluate(() => [...window.__fake.generations.values()].filter((g) => g.output_files.some((f) => /\.(png|jpe?g|webp|gif)$/.test(f))).map((g) => g.id));
  const offered = await page.locator(".history-item").evaluateAll((items) =>
    items.filter((i) => i.querySelector('[data-testid="use-as-input"]')).map((i) => i.querySelector(".history-row").dataset.id),
  );
  assert(offered.length > 0 && offered.every((id) => withPicture.includes(id)), `offered only where a picture was made: ${offered}`);
  await row.hover();
  await shot("history-use-as-input");
  await row.getByRole("button", { name: "Use as input" }).click();
  let sent = await createWithCarried(page, "black-forest-labs/flux-kontext-pro", "The same, at night", { waits: true });
  assert(sent.startsWith("@/") && sent.includes("/outputs/gen_0003/"), `history: gen_0003's output was sent: ${sent}`);

  // From the dropdown while the create page is open on an edit model: the field fills at once.
  await page.getByTestId("queue-counter").click();
  const item = page.locator(".queue-entry").filter({ has: page.getByRole("button", { name: "Use as input" }) }).first();
  await item.waitFor();
  await page.waitForTimeout(250); // the pop-in animation
  await shot("dropdown-use-as-input");
  const id = await item.locator(".queue-item").getAttribute("data-id");
  assert(id !== "gen_0003", `another output than the one already in the field: ${id}`);
  await item.getByRole("button", { name: "Use as input" }).click();
  assert((await page.locator(".queue").count()) === 0, "the dropdown closes");
  sent = await createWithCarried(page, "black-forest-labs/flux-kontext-pro", "The same, in snow", { waits: false });
  assert(sent.includes(`/outputs/${id}/`), `dropdown: ${id}'s output was sent: ${sent}`);
});

test("a large output shows a download bar on the result page until it is saved", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual");
  const id = await page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.status === "processing").id);
  await page.goto(page.url().replace(/#.*$/, `#/result/${id}`));
  await page.locator(".output-placeholder").first().waitFor();
  const total = 38_400_044;
  const reading = (received) => page.evaluate(([gid, r, t]) => window.__fake.emit({ type: "output_progress", data: { id: gid, index: 0, received: r, total: t } }), [id, received, total]);
  await reading(0);
  const bar = page.getByTestId("output-downloading").getByRole("progressbar");
  await until("bar at 0", async () => (await bar.getAttribute("aria-valuenow")) === "0");
  await reading(14_200_000);
  await until("bar at 37%", async () => (await bar.getAttribute("aria-valuenow")) === "37");
  const text = await page.getByTestId("output-downloading").textContent();
  assert(text.includes("Downloading output 1") && text.includes("14.2 MB of 38.4 MB"), `says which file and how far: ${text}`);
  await shot("result-downloading");
  // Another generation's readings do not move this bar.
  await page.evaluate((t) => window.__fake.emit({ type: "output_progress", data: { id: "someone-else", index: 0, received: t, total: t } }), total);
  await page.waitForTimeout(100);
  assert((await bar.getAttribute("aria-valuenow")) === "37", "only its own readings count");
  await reading(total);
  await until("bar full", async () => (await bar.getAttribute("aria-valuenow")) === "100");
  await page.evaluate((gid) => window.__fake.complete(gid), id);
  await until("the bar goes once saved", async () => (await page.getByTestId("output-downloading").count()) === 0);
});

test("a language model's text grows on the result page while it streams", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual");
  const id = await page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.status === "processing").id);
  await page.goto(page.url().replace(/#.*$/, `#/result/${id}`));
  await page.locator(".output-placeholder").first().waitFor();
  const pieces = ["Once", " upon", " a time,", " a fox", " kept a lighthouse", " on the edge of the sea."];
  const growing = page.getByTestId("output-text-growing");
  let text = "";
  for (const [i, piece] of pieces.entries()) {
    text += piece;
    await page.evaluate(([gid, t]) => window.__fake.emit({ type: "output_text", data: { id: gid, text: t } }), [id, text]);
    await until(`piece ${i + 1} shown`, async () => (await growing.textContent()) === text);
    if (i === 3) await shot("result-text-growing");
  }
  assert((await page.locator(".output-placeholder").count()) === 0, "the text replaces the placeholder");
  await page.evaluate((gid) => window.__fake.complete(gid), id);
  await until("the growing text goes when it ends", async () => (await growing.count()) === 0);
});
