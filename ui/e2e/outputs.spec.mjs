// Outputs of every kind and the model browser: a video result plays, a text
// result shows, named files and audio get players, the browser finds a model
// by a word of its description and opens its form.
import { assert, test, until } from "./harness.mjs";

/** Opens the browser from the create page, searches `words`, picks `model`. */
async function chooseInBrowser(page, words, model) {
  await page.getByRole("button", { name: "Browse models…" }).click();
  const dialog = page.getByRole("dialog", { name: "Models on Replicate" });
  await dialog.getByLabel("Search models").fill(words);
  const card = dialog.locator(".browser-card", { hasText: model });
  await card.first().waitFor();
  await card.first().locator(".browser-card-main").click();
  await dialog.getByTestId("browser-fields").waitFor();
  return dialog;
}

/** Creates one generation with `prompt` and opens its result page once it completed. */
async function createAndOpen(page, prompt) {
  await page.getByLabel("Prompt", { exact: true }).fill(prompt);
  await page.getByRole("button", { name: /^Create/ }).click();
  const id = await until("generation completed", () =>
    page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.status === "completed")?.id),
  8000);
  await page.goto(page.url().replace(/#.*$/, `#/result/${id}`));
  return id;
}

test("outputs: the browser finds a video model by a word of its description; its video result plays", async ({ page, open, shot }) => {
  await open("scenario=empty&step=60", "/");
  const dialog = await chooseInBrowser(page, "clip", "replicate-sim/bouncing-ball");
  const fields = await dialog.getByTestId("browser-fields").textContent();
  assert(fields.includes("duration"), `the model's inputs are shown before choosing: ${fields}`);
  assert((await dialog.textContent()).includes("1,204,311 runs"), "run count shown");
  await shot("model-browser");
  await dialog.getByRole("button", { name: "Use this model" }).click();
  await until("browser closed", async () => (await page.getByRole("dialog").count()) === 0);
  assert((await page.getByLabel("Model (owner/name)").inputValue()) === "replicate-sim/bouncing-ball", "model chosen");
  await page.getByLabel("Duration", { exact: true }).waitFor();
  await createAndOpen(page, "A red ball bouncing on a wooden floor");
  const video = page.getByTestId("output-video");
  await video.waitFor();
  assert(await video.evaluate((v) => v.controls), "the video has controls");
  await video.evaluate((v) => {
    v.muted = true;
    return v.play();
  });
  const t0 = await video.evaluate((v) => v.currentTime);
  await until("video playing and its time advancing", () => video.evaluate((v, t) => !v.paused && !v.ended && v.readyState >= 2 && v.currentTime > t + 0.2, t0), 5000);
  await shot("result-video");
  // History: the first frame stands for it.
  await page.goto(page.url().replace(/#.*$/, "#/history"));
  const thumb = page.locator(".history-row .thumb video").first();
  await thumb.waitFor();
  await until("history thumbnail frame loaded", () => thumb.evaluate((v) => v.readyState >= 2 && v.videoWidth === 160));
  await shot("history-video");
});

test("outputs: a language model's text result shows and can be copied", async ({ page, open, shot }) => {
  await open("scenario=empty&step=60", "/");
  const dialog = await chooseInBrowser(page, "story", "replicate-sim/storyteller");
  await dialog.getByRole("button", { name: "Use this model" }).click();
  await page.getByLabel("Max Tokens", { exact: true }).waitFor();
  await createAndOpen(page, "a lighthouse keeper");
  const text = page.getByTestId("output-text");
  await until("text shown", async () => (await text.textContent()).startsWith("Once upon a time there was a lighthouse keeper."));
  await shot("result-text");
});

test("outputs: an object of named files shows each file under its name", async ({ page, open, shot }) => {
  await open("scenario=empty&step=60", "/");
  await page.getByLabel("Model (owner/name)").fill("replicate-sim/video-with-audio");
  await page.getByLabel("Prompt", { exact: true }).waitFor();
  await createAndOpen(page, "a drum solo");
  await page.getByTestId("output-video").waitFor();
  await page.getByTestId("output-audio").waitFor();
  const captions = await page.locator(".output-media figcaption").allTextContents();
  assert(captions.join(",") === "audio,video", `named files: ${captions}`);
  await until("audio decodable", () => page.getByTestId("output-audio").evaluate((a) => a.readyState >= 1 && a.duration > 0.5));
  await shot("result-named-files");
});

test("model browser: collections, favourites, and a pinned version", async ({ page, open }) => {
  await open("scenario=empty", "/");
  await page.getByRole("button", { name: "Browse models…" }).click();
  const dialog = page.getByRole("dialog", { name: "Models on Replicate" });
  await dialog.getByRole("tab", { name: "Collections" }).click();
  await dialog.getByRole("button", { name: /Language models/ }).click();
  await dialog.locator(".browser-card", { hasText: "replicate-sim/storyteller" }).waitFor();
  await dialog.getByRole("button", { name: "Star replicate-sim/storyteller" }).click();
  await dialog.getByRole("tab", { name: "Favourites" }).click();
  await dialog.locator(".browser-card", { hasText: "replicate-sim/storyteller" }).waitFor();
  await dialog.getByLabel("Search models").fill("sdxl");
  await dialog.locator(".browser-card", { hasText: "stability-ai/sdxl" }).locator(".browser-card-main").click();
  await dialog.getByRole("checkbox", { name: /Pin version/ }).check();
  await dialog.getByRole("button", { name: "Use this model" }).click();
  const model = await page.getByLabel("Model (owner/name)").inputValue();
  assert(model === "stability-ai/sdxl:7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc", `pinned: ${model}`);
});
