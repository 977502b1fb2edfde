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
