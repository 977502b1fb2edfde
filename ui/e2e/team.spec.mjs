// Settings → Team queue: test the connection, join (the window reloads the
// queue it shows and stays on Settings), the password never in the page, leave.
import { assert, test, until } from "./harness.mjs";

const DB = "postgres://ada@db.team.example:5432/genqueue";

test("settings → team queue: test connection names the problem, join reloads the window on Settings, leave", async ({ page, open }) => {
  await open("scenario=ready&clock=manual", "/settings");
  const section = page.getByTestId("team-section");
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: "test-artifacts/settings-team-own.png" });
  await page.getByLabel("Database address").fill(DB);
  await page.getByLabel("Password", { exact: true }).fill("wrong password");
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.getByText("The server refused the password.").waitFor();
  await section.screenshot({ path: "test-artifacts/settings-team-bad-password.png" });
  await page.getByLabel("Password", { exact: true }).fill("correct horse");
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.getByText("Connected. The database has no Genqueue tables yet: Join creates them.").waitFor();
  await page.getByLabel("Your name in the team").fill("Ada L.");
  // A reload of everything the window loaded: app_info is asked again.
  const appInfos = () => page.evaluate(() => window.__fake.calls.filter((c) => c.cmd === "app_info").length);
  const before = await appInfos();
  await page.getByRole("button", { name: "Join" }).click();
  await page.getByText(`On the team database ${DB} as “Ada L.”.`).waitFor();
  await until("joined", async () => (await page.evaluate(() => window.__fake.team.reopened)) === 1);
  assert(page.url().endsWith("#/settings"), `still on Settings: ${page.url()}`);
  assert(!(await page.content()).includes("correct horse"), "the password is not in the page");
  await until("the window loaded the new queue", async () => (await appInfos()) > before);
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: "test-artifacts/settings-team-joined.png" });
  await page.getByRole("button", { name: "Leave the team" }).click();
  await page.getByRole("group", { name: "Leave the team" }).getByRole("button", { name: "Leave the team" }).click();
  await page.getByText("This machine's own queue (the data folder's).").waitFor();
  assert((await page.evaluate(() => window.__fake.team.password)) === null, "password forgotten");
});

test("settings → team queue in the dark theme and in Russian, a database too new", async ({ page, open }) => {
  await page.addInitScript(() => Object.defineProperty(navigator, "language", { get: () => "ru-RU" }));
  await open("scenario=ready&clock=manual", "/", { colorScheme: "dark" });
  await page.evaluate(() => {
    window.__fake.team.databases.set("postgres://ada@db.team.example:5432/newer", { password: "pw", schema: 12 });
    window.__fake.team.password = "pw";
  });
  await page.evaluate(() => (location.hash = "#/settings"));
  const section = page.getByTestId("team-section");
  await section.waitFor();
  await page.getByLabel("Адрес базы").fill("postgres://ada@db.team.example:5432/newer");
  await page.getByRole("button", { name: "Подключиться" }).click();
  await page.getByText(/Эту базу обновил более новый Genqueue/).waitFor();
  assert((await page.evaluate(() => window.__fake.team.active)) === null, "not joined");
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: "test-artifacts/settings-team-dark-ru.png" });
});

test("history on a team database: each row says who created it on which machine; Mine / Everyone's", async ({ page, open }) => {
  await open("scenario=ready&clock=manual", "/");
  await page.evaluate(() => {
    const f = window.__fake;
    f.team.active = "postgres://ada@db.team.example:5432/genqueue";
    f.team.member = "ada";
    f.save(f.newGeneration("black-forest-labs/flux-schnell", "bob's owl at night", { prompt: "bob's owl at night" }, { creator: { member: "bob", machine: "bob-desktop" }, status: "failed", error: "stopped" }));
    f.save(f.newGeneration("black-forest-labs/flux-schnell", "ada's fox in snow", { prompt: "ada's fox in snow" }, { status: "failed", error: "stopped" }));
  });
  await page.evaluate(() => (location.hash = "#/history"));
  const bob = page.locator(".history-row", { hasText: "bob's owl at night" });
  await bob.getByTestId("history-creator").filter({ hasText: "by bob on bob-desktop" }).waitFor();
  await page.locator(".history-row", { hasText: "ada's fox in snow" }).getByText("by ada on ada-laptop").waitFor();
  await page.screenshot({ path: "test-artifacts/history-team-everyone.png" });
  await page.getByLabel("Created by").selectOption({ label: "Mine (ada)" });
  await until("bob's row filtered out", async () => (await bob.count()) === 0);
  await page.locator(".history-row", { hasText: "ada's fox in snow" }).waitFor();
  const last = await page.evaluate(() => window.__fake.calls.filter((c) => c.cmd === "list_history").at(-1).args.query);
  assert(last.created_by === "ada", `list_history asked for ada's: ${JSON.stringify(last)}`);
  await page.getByLabel("Created by").selectOption({ label: "Everyone's" });
  await bob.waitFor();
});

test("history on this machine's own queue: no creator column or filter", async ({ page, open }) => {
  await open("scenario=ready&clock=manual", "/history");
  await page.locator(".page-history").waitFor();
  await page.waitForTimeout(300);
  assert((await page.getByLabel("Created by").count()) === 0, "no Created by filter");
  assert((await page.getByTestId("history-creator").count()) === 0, "no creator in rows");
});

/** Adds generations by other members (and one of Ada's) to the fake team database. */
async function seedTeam(page) {
  return page.evaluate(() => {
    const f = window.__fake;
    const add = (member, prompt, extra) =>
      f.save(f.newGeneration("black-forest-labs/flux-schnell", prompt, { prompt }, { creator: { member, machine: `${member}-desktop` }, ...extra }));
    const done = { status: "completed", completed_at: new Date().toISOString() };
    // Bob's, finished on his machine: the pictures are in the database, not in this folder.
    const bobs = ["bob's owl at dusk", "bob's heron in reeds"].map((p) => {
      const g = add("bob", p, done);
      f.writeOutputs(g);
      for (const file of g.output_files) {
        const path = `${f.info.data_dir}/${file}`;
        f.remoteFiles.set(path, f.files.get(path));
        f.files.delete(path);
      }
      return f.save(g).id;
    });
    add("carol", "carol's cat on a wall", { status: "failed", error: "stopped", viewed: true });
    const ada = add("ada", "ada's fox in snow", done);
    f.writeOutputs(ada);
    f.save(ada);
    return bobs;
  });
}

test("team database: the counter and dropdown are one's own; a thumbnail another machine saved is fetched into this folder", async ({ page, open, allow }) => {
  // Bob's pictures are not in this folder until fetched: their first load fails.
  allow("ERR_UNKNOWN_URL_SCHEME");
  await open("scenario=empty&clock=manual&team=ada", "/");
  const bobs = await seedTeam(page);
  await until("the counter counts Ada's only", async () => (await page.getByTestId("counter-n").textContent()) === "1");
  await page.getByTestId("queue-counter").click();
  await page.locator(".queue-item", { hasText: "ada's fox in snow" }).waitFor();
  assert((await page.locator(".queue-item", { hasText: "bob's" }).count()) === 0, "no other member's row in the dropdown");
  await page.keyboard.press("Escape");
  await page.evaluate(() => (location.hash = "#/history"));
  const bob = page.locator(".history-row", { hasText: "bob's owl at dusk" });
  const thumb = bob.locator(".thumb img");
  await until("Bob's thumbnail fetched and shown", () => thumb.evaluate((i) => i.complete && i.naturalWidth > 0 && i.src.startsWith("data:")));
  const fetched = await page.evaluate(() => window.__fake.calls.filter((c) => c.cmd === "fetch_outputs").map((c) => c.args.id));
  assert(bobs.every((id) => fetched.includes(id)), `both of Bob's fetched: ${JSON.stringify(fetched)}`);
  assert(await page.evaluate((id) => window.__fake.files.has(`${window.__fake.info.data_dir}/${window.__fake.mustGet(id).output_files[0]}`), bobs[0]), "now in this machine's folder");
  await page.screenshot({ path: "test-artifacts/history-team-fetched-thumbs.png" });
});

test("team database: History filters one member; Clear finished and bulk actions touch others' only when chosen", async ({ page, open, allow }) => {
  allow("ERR_UNKNOWN_URL_SCHEME");
  await open("scenario=empty&clock=manual&team=ada", "/");
  await seedTeam(page);
  await page.evaluate(() => (location.hash = "#/history"));
  const filter = page.getByLabel("Created by");
  await filter.waitFor();
  await until("members listed", async () => (await filter.locator("option").allTextContents()).join("|") === "Everyone's|Mine (ada)|Only bob|Only carol");
  await filter.selectOption({ label: "Only bob" });
  await until("only Bob's rows", async () => (await page.locator(".history-row").count()) === 2);
  assert((await page.locator(".history-row", { hasText: "ada's fox" }).count()) === 0, "Ada's filtered out");
  await page.screenshot({ path: "test-artifacts/history-team-one-member.png" });
  await filter.selectOption({ label: "Everyone's" });
  await until("every row", async () => (await page.locator(".history-row").count()) === 4);

  // Select all, mark viewed: Bob's two are another member's and stay unviewed.
  await page.getByText("Select all").click();
  await page.getByTestId("others-selected").filter({ hasText: "Other members' generations among them: 3." }).waitFor();
  await page.locator(".selection-bar").screenshot({ path: "test-artifacts/history-team-others-selected.png" });
  await page.getByRole("button", { name: "Mark viewed" }).click();
  await page.getByText(/could not be changed: this generation is not yours \(created by (bob|carol)\)/).waitFor();
  assert(!(await page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.prompt === "bob's owl at dusk").viewed)), "Bob's not marked");
  // Tick "Other members' too": they are marked too.
  await page.getByTestId("others-too").locator("input").check();
  await page.getByRole("button", { name: "Mark viewed" }).click();
  await until("Bob's marked", async () => page.evaluate(() => [...window.__fake.generations.values()].find((g) => g.prompt === "bob's owl at dusk").viewed));

  // Clear finished: one's own by default; everyone's only when ticked.
  await page.getByRole("button", { name: "Clear finished…" }).click();
  const ask = page.getByRole("group", { name: "Clear finished…" });
  await ask.getByText("Delete your finished generations you have viewed, with their files? Other members' stay.", { exact: false }).waitFor();
  await ask.screenshot({ path: "test-artifacts/history-team-clear-ask.png" });
  await ask.getByRole("button", { name: "Delete them" }).click();
  await until("Ada's cleared, the others' kept", async () => (await page.locator(".history-row").count()) === 3);
  await page.getByRole("button", { name: "Clear finished…" }).click();
  await ask.getByTestId("others-too").locator("input").check();
  await ask.getByText("Delete every member's finished generations already viewed", { exact: false }).waitFor();
  await ask.getByRole("button", { name: "Delete them" }).click();
  await until("everyone's cleared", async () => (await page.locator(".history-row").count()) === 0);
  const calls = await page.evaluate(() => window.__fake.calls.filter((c) => c.cmd === "clear_finished").map((c) => c.args.scope));
  assert(JSON.stringify(calls) === '["mine","everyone"]', `scopes asked: ${JSON.stringify(calls)}`);
});

test("team database: a member holding none of the team's tokens sees why the settings are missing and still creates", async ({ page, open }) => {
  await open("scenario=empty&clock=manual&team=ada", "/tokens");
  // Every token of the pool is another member's: none has its secret here.
  await page.evaluate(() => {
    for (const id of window.__fake.tokens.keys()) window.__fake.notHere.set(id, "");
  });
  await page.evaluate(() => (location.hash = "#/"));
  const notice = page.locator("[data-no-token-here]");
  await notice.waitFor();
  assert((await notice.textContent()).includes("Create still queues the prompt"), "says what Create does");
  assert((await page.locator(".model-picker .field-error, [data-field-error]").count()) === 0, "no error under the model");
  await page.screenshot({ path: "test-artifacts/create-team-no-token-here.png", fullPage: true });
  await page.getByLabel("Prompt", { exact: true }).fill("A heron at dawn, from a machine without tokens");
  await page.getByRole("button", { name: /^Create/ }).click();
  await until("queued", () => page.evaluate(() => [...window.__fake.generations.values()].some((g) => g.prompt.startsWith("A heron at dawn"))));
});
