// File inputs: drop a picture into an edit model's field, create, see the
// result; several files in order, removable; "Use as input" from a result.
import { assert, test, until } from "./harness.mjs";

/** Drops `n` PNG files (drawn in the page, `w`×`h`, colours from `hue`) on `selector`. */
async function dropPngs(page, selector, files) {
  const transfer = await page.evaluateHandle(async (list) => {
    const dt = new DataTransfer();
    for (const { name, w, h, hue } of list) {
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext("2d");
      const grad = ctx.createLinearGradient(0, 0, w, h);
      grad.addColorStop(0, `hsl(${hue} 80% 55%)`);
      grad.addColorStop(1, `hsl(${(hue + 120) % 360} 80% 35%)`);
      ctx.fillStyle = grad;
      ctx.fillRect(0, 0, w, h);
      const blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
      dt.items.add(new File([blob], name, { type: "image/png" }));
    }
    return dt;
  }, files);
  await page.locator(selector).dispatchEvent("drop", { dataTransfer: transfer });
}

async function chooseModel(page, model) {
  await page.getByLabel("Model (owner/name)").fill(model);
}

const decoded = (page, sel) => page.locator(sel).evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 1));

test("file input: drop a picture into an edit model's field, create, see the result", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual");
  await chooseModel(page, "black-forest-labs/flux-kontext-pro");
  await page.locator('[data-field="input_image"]').waitFor();
  await dropPngs(page, '[data-testid="drop-input_image"]', [{ name: "street.png", w: 320, h: 200, hue: 20 }]);
  await until("preview shown", () => decoded(page, '[data-field="input_image"] .file-preview img'));
  await page.getByLabel("Prompt", { exact: true }).fill("Turn the street into a night scene with neon signs");
  await page.locator('[data-field="input_image"]').evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot("create-file-input");
  await page.getByRole("button", { name: /^Create/ }).click();
  const id = await until("created", () =>
    page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.model_name === "black-forest-labs/flux-kontext-pro")?.id ?? null),
  );
  const sent = await page.evaluate((gid) => window.__fake.generations.get(gid).settings.input_image, id);
  assert(typeof sent === "string" && sent.startsWith("data:image/png;base64,"), `the dropped bytes were sent: ${String(sent).slice(0, 40)}`);
  await page.evaluate((gid) => window.__fake.complete(gid), id);
  await page.goto(page.url().replace(/#.*$/, `#/result/${id}`));
  await until("result image", () => decoded(page, ".output img"));
  await until("the input kept with the result is shown", () => decoded(page, ".input-thumb"));
  await shot("result-from-file-input");
});

test("file input: several files keep their order and can be removed; a non-image is refused", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual");
  await chooseModel(page, "google/nano-banana");
  await page.locator('[data-field="image_input"]').waitFor();
  const drop = '[data-testid="drop-image_input"]';
  await dropPngs(page, drop, [
    { name: "a.png", w: 120, h: 120, hue: 200 },
    { name: "b.png", w: 120, h: 80, hue: 40 },
  ]);
  await dropPngs(page, drop, [{ name: "c.png", w: 90, h: 140, hue: 300 }]);
  const previews = page.locator('[data-field="image_input"] .file-preview');
  await until("three previews", async () => (await previews.count()) === 3);
  const order = await page.locator('[data-field="image_input"] .file-preview-index').allTextContents();
  assert(order.join(",") === "1,2,3", `numbered in order: ${order}`);
  await until("previews decoded", () => decoded(page, '[data-field="image_input"] .file-preview img'));
  await page.locator('[data-field="image_input"]').evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot("create-file-list");
  await page.getByRole("button", { name: "Remove Pasted image" }).first().click();
  await until("two previews", async () => (await previews.count()) === 2);
  // A text file dropped on an image field: refused, said, nothing added.
  const text = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["hello"], "notes.txt", { type: "text/plain" }));
    return dt;
  });
  await page.locator(drop).dispatchEvent("drop", { dataTransfer: text });
  await page.getByRole("alert").filter({ hasText: "notes.txt is not an image." }).waitFor();
  assert((await previews.count()) === 2, "nothing added");
  await page.getByLabel("Prompt", { exact: true }).fill("Both cats on one sofa");
  await page.getByRole("button", { name: /^Create/ }).click();
  const sent = await until("created", () =>
    page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.model_name === "google/nano-banana")?.settings.image_input ?? null),
  );
  assert(Array.isArray(sent) && sent.length === 2 && sent.every((s) => s.startsWith("data:image/png")), "two files sent, in order");
});

test("use as input: a result's output fills the file field of an edit model", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/result/gen_0003");
  await until("result image", () => decoded(page, ".output img"));
  await page.getByTestId("use-as-input").click();
  await until("create page", async () => page.url().endsWith("#/"));
  // FLUX Schnell takes no file: the carried picture waits, said so.
  await page.locator(".carried-input").waitFor();
  await shot("create-carried-input");
  await chooseModel(page, "black-forest-labs/flux-kontext-pro");
  await until("field filled", () => decoded(page, '[data-field="input_image"] .file-preview img'));
  assert((await page.locator(".carried-input").count()) === 0, "the notice goes once used");
  await page.getByLabel("Prompt", { exact: true }).fill("Same scene in winter");
  await page.locator('[data-field="input_image"]').evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot("create-used-as-input");
  await page.getByRole("button", { name: /^Create/ }).click();
  const sent = await until("created", () =>
    page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.model_name === "black-forest-labs/flux-kontext-pro")?.settings.input_image ?? null),
  );
  assert(sent.startsWith("@/") && sent.includes("/outputs/gen_0003/"), `the saved output's path was sent: ${sent}`);
});
