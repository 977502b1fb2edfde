// First run, tokens, and errors from commands.
import { assert, test, until } from "./harness.mjs";

// An obviously fake token, assembled at run time so no token-shaped literal sits in the source.
const FAKE_TOKEN = ["r8", "abcdefghijklmnopqrstuvwxyz0123"].join("_");

test("first run without tokens: explains tokens, adds one, app opens", async ({ page, open }) => {
  await open("scenario=first-run&clock=manual");
  await page.getByRole("heading", { name: "Welcome to Genqueue" }).waitFor();
  assert(await page.getByRole("link", { name: /replicate.com\/account\/api-tokens/ }).isVisible(), "link to the tokens page");
  assert((await page.getByRole("navigation").count()) === 0, "no navigation before a token");
  const secret = page.getByLabel("API token");
  assert((await secret.getAttribute("type")) === "password", "secret is a password field");
  await page.getByLabel("Label").fill("Mine");
  await secret.fill(FAKE_TOKEN);
  await page.getByRole("button", { name: "Add token" }).click();
  await page.getByRole("heading", { name: "Create" }).waitFor();
  await page.getByRole("link", { name: "Tokens" }).click();
  await page.locator(".token", { hasText: "Mine" }).waitFor();
  const html = await page.content();
  assert(!html.includes(FAKE_TOKEN), "the secret is not shown again");
  assert(html.includes("••••0123"), "the fingerprint is shown");
});

test("first run: the offline demo marks the app Demo", async ({ page, open }) => {
  await open("scenario=first-run&clock=manual");
  await page.getByRole("button", { name: "Try the offline demo" }).click();
  await page.getByRole("heading", { name: "Create" }).waitFor();
  assert(await page.locator(".badge-demo").isVisible(), "Demo badge in the header");
});

test("tokens: a refused token shows the error message and code", async ({ page, open }) => {
  await open("scenario=empty&clock=manual", "/tokens");
  await page.getByLabel("API token").fill("r8_bad_bad_bad_bad_bad_bad_bad_bad");
  await page.getByRole("button", { name: "Add token" }).click();
  const error = page.locator('.token-form [role="alert"]');
  await until("error", async () => (await error.textContent()).includes("Replicate refused this token"));
  assert((await error.getAttribute("data-code")) === "unauthorized", "error code kept");
  assert((await page.getByLabel("API token").inputValue()) === "", "secret field cleared");
});

test("tokens: added token shows the account username; disable and remove", async ({ page, open }) => {
  await open("scenario=empty&clock=manual", "/tokens");
  await page.getByLabel("Label").fill("Second");
  await page.getByLabel("API token").fill("r8_0123456789abcdefghijklmnopqrs");
  await page.getByRole("button", { name: "Add token" }).click();
  await until("username", async () => (await page.locator(".token-added").textContent()).includes("ada"));
  const row = page.locator(".token", { hasText: "Second" });
  await row.getByRole("switch").click();
  await until("off", async () => (await row.locator(".badge").textContent()) === "Off");
  await row.getByRole("button", { name: /Remove token Second/ }).click();
  await row.getByRole("button", { name: "Remove", exact: true }).click();
  await until("removed", async () => (await page.locator(".token", { hasText: "Second" }).count()) === 0);
});

test("create: errors from commands and the form show inline", async ({ page, open }) => {
  await open("scenario=empty&clock=manual");
  await page.getByRole("button", { name: /^Create/ }).click();
  await page.getByText("Describe the image you want.").waitFor();
  await page.getByLabel("Model (owner/name)").fill("nobody/nothing");
  await until("model error", async () => (await page.locator("#model-help").textContent()).includes("Replicate has no model nobody/nothing"));
  // Every token disabled → the create answers {code: "no_token"} with a way out.
  await page.evaluate(() => window.__fake.tokens.forEach((t) => (t.active = false)));
  await page.getByRole("button", { name: "FLUX Schnell" }).click();
  await page.getByLabel("Prompt", { exact: true }).fill("anything");
  await page.getByRole("button", { name: /^Create/ }).click();
  const notice = page.locator('.notice-error[data-code="no_token"]');
  await notice.waitFor();
  assert(await notice.getByRole("link", { name: "Add a token" }).isVisible(), "link to the Tokens page");
});

test("tokens: a team member's token not on this machine is marked, and pasting it joins it", async ({ page, open }) => {
  const teamSecret = ["r8", "teamteamteamteamteamteam9XyZ"].join("_");
  await open(`scenario=empty&clock=manual&teamToken=${teamSecret}`, "/tokens");
  const row = page.locator(".token", { hasText: "Team render farm" });
  await row.locator('[data-here="no"]').waitFor();
  assert((await row.textContent()).includes("Paste it in “Add a token” to use it here"), "says how to use it here");
  assert((await page.locator('[data-here="no"]').count()) === 1, "only the team member's token is marked");
  assert((await row.getByRole("button", { name: "Check" }).count()) === 0, "no check without the secret");
  await page.screenshot({ path: "test-artifacts/tokens-not-here.png", fullPage: true });
  const count = await page.locator(".token").count();
  await page.getByLabel("API token").fill(teamSecret);
  await page.getByRole("button", { name: "Add token" }).click();
  await until("joined", async () => ((await page.locator(".token-added").textContent()) ?? "").includes("was already in the team's pool"));
  await until("mark gone", async () => (await row.locator('[data-here="no"]').count()) === 0);
  assert((await page.locator(".token").count()) === count, "no second row for the same token");
  await page.screenshot({ path: "test-artifacts/tokens-joined.png", fullPage: true });
});

test("tokens on a team database: Remove… offers Forget on this machine (the row stays, marked) before Remove from the team", async ({ page, open }) => {
  await open("scenario=empty&clock=manual&team=ada", "/tokens");
  await page.getByLabel("Label").fill("Shared");
  await page.getByLabel("API token").fill(["r8", "sharedsharedsharedshared7Qw2"].join("_"));
  await page.getByRole("button", { name: "Add token" }).click();
  const row = page.locator(".token", { hasText: "Shared" });
  await row.waitFor();
  await row.getByRole("button", { name: /Remove token Shared/ }).click();
  assert((await row.textContent()).includes("Remove from the team deletes it for every member"), "says what each choice does");
  assert((await row.getByRole("button", { name: "Remove", exact: true }).count()) === 0, "no bare Remove on a team database");
  await page.screenshot({ path: "test-artifacts/tokens-team-remove.png", fullPage: true });
  await row.getByRole("button", { name: "Forget on this machine" }).click();
  await row.locator('[data-here="no"]').waitFor();
  assert((await page.locator(".token", { hasText: "Shared" }).count()) === 1, "the row stays in the team's pool");
  assert((await row.getByRole("button", { name: "Check" }).count()) === 0, "no check without the secret");
  // Not here any more: only removing it from the team is left to choose.
  await row.getByRole("button", { name: /Remove token Shared/ }).click();
  assert((await row.getByRole("button", { name: "Forget on this machine" }).count()) === 0, "nothing to forget");
  await row.getByRole("button", { name: "Remove from the team" }).click();
  await until("removed", async () => (await page.locator(".token", { hasText: "Shared" }).count()) === 0);
});
