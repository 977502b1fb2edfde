// Screenshots of every main screen (light, dark, small window) into test-artifacts/.
import { test, until } from "./harness.mjs";

const themes = [
  { suffix: "light", colorScheme: "light" },
  { suffix: "dark", colorScheme: "dark" },
];

for (const { suffix, colorScheme } of themes) {
  test(`screens (${suffix})`, async ({ page, open, shot }) => {
    await open("scenario=ready&clock=manual", "/", { colorScheme });
    await page.locator(".settings-grid").waitFor();
    await page.getByLabel("Prompt", { exact: true }).fill("Misty mountain valley at sunrise, golden light over layered ridges");
    await shot(`create-${suffix}`);

    await page.getByTestId("queue-counter").click();
    await page.locator(".queue-item").first().waitFor();
    await page.waitForTimeout(250); // the pop-in animation
    await shot(`dropdown-${suffix}`);
    await page.keyboard.press("Escape");

    await open("scenario=ready&clock=manual", "/result/gen_0003", { colorScheme });
    await page.locator(".output img").nth(3).waitFor();
    await until("images decoded", () => page.locator(".output img").evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth > 1)));
    await shot(`result-completed-${suffix}`);

    await page.locator(".output").first().click();
    await page.locator(".lightbox img").waitFor();
    await shot(`result-full-size-${suffix}`);
    await page.keyboard.press("Escape");

    await open("scenario=ready&clock=manual", "/result/gen_0006", { colorScheme });
    await page.getByTestId("status-panel").waitFor();
    await shot(`result-running-${suffix}`);

    await open("scenario=ready&clock=manual", "/result/gen_0005", { colorScheme });
    await page.locator(".failure").waitFor();
    await shot(`result-failed-${suffix}`);

    await open("scenario=ready&clock=manual", "/history", { colorScheme });
    await page.locator(".history-row").first().waitFor();
    await shot(`history-${suffix}`);

    await open("scenario=ready&clock=manual", "/tokens", { colorScheme });
    await page.locator(".token").first().waitFor();
    await shot(`tokens-${suffix}`);

    await open("scenario=first-run&clock=manual", "/", { colorScheme });
    await page.getByRole("heading", { name: "Welcome to Genqueue" }).waitFor();
    await shot(`first-run-${suffix}`);
  });
}

test("screens (small window)", async ({ page, open, shot }) => {
  const small = { width: 420, height: 760 };
  await open("scenario=ready&clock=manual", "/", small);
  await page.locator(".settings-grid").waitFor();
  await shot("small-create");
  await page.getByTestId("queue-counter").click();
  await page.locator(".queue-item").first().waitFor();
  await page.waitForTimeout(250);
  await shot("small-dropdown");
  await open("scenario=ready&clock=manual", "/result/gen_0003", small);
  await page.locator(".output img").first().waitFor();
  await shot("small-result");
  await open("scenario=ready&clock=manual", "/tokens", small);
  await page.locator(".token").first().waitFor();
  await shot("small-tokens");
});

test("header: team database unreachable (and back)", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/");
  await page.locator(".settings-grid").waitFor();
  const reason = "the team database at postgres://ann@db.example:5432/team cannot be reached: error connecting to server: Connection refused (os error 111)";
  await page.evaluate((r) => window.__fake.emit({ type: "store_unreachable", data: { reason: r } }), reason);
  const pill = page.getByTestId("store-unreachable");
  await pill.waitFor();
  await until("the reason in its title", async () => (await pill.getAttribute("title")).includes(reason));
  await shot("header-store-unreachable");
  await page.evaluate(() => window.__fake.emit({ type: "store_back" }));
  await pill.waitFor({ state: "detached" });
});

test("header: the team database migrated by a newer Genqueue", async ({ page, open, shot }) => {
  await open("scenario=ready&clock=manual", "/");
  await page.locator(".settings-grid").waitFor();
  const reason =
    "the database postgres://ann@db.example:5432/team was written by a newer version of Genqueue (schema version 14, this version knows up to 13); update Genqueue";
  await page.evaluate((r) => window.__fake.emit({ type: "store_too_new", data: { reason: r } }), reason);
  const pill = page.getByTestId("store-too-new");
  await pill.waitFor();
  await until("both versions in its title", async () => (await pill.getAttribute("title")).includes("schema version 14, this version knows up to 13"));
  await shot("header-store-too-new");
});
