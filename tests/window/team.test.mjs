// The real window on a team's queue in PostgreSQL (issue #15): the app
// started with GENQUEUE_DATABASE_URL on a fresh database of the throw-away
// cluster (scripts/with-postgres.sh), its token added beforehand by `genq`
// on that database (the secret in this session's gnome-keyring). A
// generation made in the window completes; one submitted by another process
// on another data folder (`genq submit`, no engine of its own) shows in the
// window live and is run by the window's engine; the database stopped and
// started again shows and clears the header's "Team database unreachable".
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { COMPLETE_MS, assertResultImagesShown, closeApp, counter, counterValue, execFile, openApp, shot, spinning, until } from "./lib.mjs";

const PORT = Number(process.env.WEBDRIVER_PORT_D);
const DB_URL = process.env.TEAM_DATABASE_URL;
const PG_CTL = process.env.GENQUEUE_TEST_PG_CTL;
const GENQ = process.env.GENQ;
const OTHER_FOLDER = process.env.TEAM_OTHER_DATA_DIR;
const SIM_BASE = process.env.TEAM_SIM_BASE;

after(closeApp);

/** `genq` as another machine: its own data folder, the same team database. */
async function genqElsewhere(...args) {
  const { stdout } = await execFile(GENQ, args, {
    env: { ...process.env, GENQUEUE_DATA_DIR: OTHER_FOLDER, GENQUEUE_DATABASE_URL: DB_URL, REPLICATE_API_BASE: SIM_BASE },
  });
  return stdout;
}

const mainText = () => browser.execute(() => document.querySelector("main")?.textContent ?? "");

let browser;

describe("the window on a team database (PostgreSQL)", () => {
  test("opens on Create with the team's token and runs a generation made in the window", async () => {
    browser = await openApp(PORT, "team-");
    await browser.setWindowSize(1100, 800);
    await (await browser.$("textarea#prompt")).waitForDisplayed({ timeout: 30_000 });
    assert.ok(!(await (await browser.$(".page-first-run")).isExisting()), "the token on the team database counts: no first-run screen");
    assert.ok(!(await (await browser.$("[data-testid=store-unreachable]")).isExisting()), "no unreachable pill while the database answers");
    await (await browser.$("textarea#prompt")).setValue("A lighthouse made in the window, team database");
    await (await browser.$("form.create-form button[type=submit]")).click();
    await until(async () => (await counterValue()) === 1, 5_000, "the counter to show 1");
    await until(async () => !(await spinning()), COMPLETE_MS, "the generation to complete", 200);
    await (await counter()).click();
    await (await browser.$(".queue .queue-item")).click();
    await assertResultImagesShown("result");
  });

  test("a generation submitted by another process on the database shows live and is run here", async () => {
    await (await browser.$("nav.nav").$("a=History")).click();
    await until(async () => (await mainText()).includes("A lighthouse made in the window"), 5_000, "the history to list the window's generation");
    const [made] = JSON.parse(await genqElsewhere("submit", "--json", "-m", "black-forest-labs/flux-schnell", "-p", "A harbour submitted elsewhere, team database"));
    console.log(`genq submit (another folder): ${made.id} ${made.status}`);
    // No engine runs in the other folder: the window's engine takes it.
    await until(async () => (await mainText()).includes("A harbour submitted elsewhere"), 5_000, "the window's history to show the other process's generation");
    await until(
      async () => JSON.parse(await genqElsewhere("ls", "-s", "completed", "--json")).some((g) => g.id === made.id),
      COMPLETE_MS,
      "the other process's generation to complete (run by the window's engine)",
      500,
    );
    await until(async () => (await browser.$$(".thumb img")).length >= 2, 10_000, "both thumbnails in the history");
    await shot("history");
  });

  test("the database stopping shows 'Team database unreachable' in the header, and it clears when it is back", async () => {
    await execFile(PG_CTL, ["stop"]);
    const pill = await browser.$("[data-testid=store-unreachable]");
    try {
      await pill.waitForDisplayed({ timeout: 30_000 });
      const title = await pill.getAttribute("title");
      assert.ok(title.includes("cannot be reached"), title);
      assert.ok(!title.includes(new URL(DB_URL).password), "the password never shows");
      await shot("unreachable");
    } finally {
      await execFile(PG_CTL, ["start"]);
    }
    await pill.waitForExist({ timeout: 30_000, reverse: true });
    await shot("back");
  });
});
