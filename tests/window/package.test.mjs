// The installed package: the binary the .deb put in /usr/bin, started by
// tauri-driver from a temporary folder (scripts/package-test.sh runs this
// through scripts/window-tests.sh with WINDOW_TESTS_APP), paints the
// first-run screen, and has no file of the checkout open, mapped or as its
// working folder.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { APP, ARTIFACTS, closeApp, execFile, openApp, shotName } from "./lib.mjs";

const PORT = Number(process.env.WEBDRIVER_PORT);
const ROOT = process.env.ROOT;

after(closeApp);

/** Pids of running processes whose executable is `exe`. */
function pidsOf(exe) {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`) === exe;
      } catch {
        return false;
      }
    });
}

test("the installed Genqueue paints the first-run screen, using no file of the checkout", async () => {
  assert.ok(APP.startsWith("/usr/"), `the binary under test is the installed one (${APP})`);
  const browser = await openApp(PORT, "package-");
  const h1 = await browser.$(".page-first-run h1");
  await h1.waitForDisplayed({ timeout: 30_000 });
  assert.equal(await h1.getText(), "Welcome to Genqueue");
  assert.equal(await browser.getTitle(), "Genqueue");

  // Painted: the window's screenshot is not flat, and has the button's text.
  // The window may be shown a moment before it is painted: poll screenshots.
  const file = `${shotName("first-run")}.png`;
  let sd = "0";
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await browser.saveScreenshot(file);
    ({ stdout: sd } = await execFile("convert", [file, "-colorspace", "gray", "-format", "%[fx:standard_deviation]", "info:"]));
    if (Number(sd) > 0.02) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`first-run screenshot ${file}: grey standard deviation ${sd}`);
  assert.ok(Number(sd) > 0.02, "the first-run screen is painted (not a flat window)");
  assert.ok(await (await browser.$("button=Try the offline demo")).isDisplayed());

  const pids = pidsOf(APP);
  assert.ok(pids.length > 0, `a process runs ${APP}`);
  for (const pid of pids) {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    const maps = readFileSync(`/proc/${pid}/maps`, "utf8").split("\n").map((l) => l.split(/\s+/)[5] ?? "").filter(Boolean);
    const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return "";
      }
    });
    // Its stdout/stderr are the harness's log in the artifacts folder: not the app's doing.
    const inCheckout = [cwd, ...maps, ...fds].filter((p) => (p === ROOT || p.startsWith(`${ROOT}/`)) && !p.startsWith(`${ARTIFACTS}/`));
    console.log(`pid ${pid}: cwd ${cwd}, ${maps.length} mappings, ${fds.length} open files`);
    assert.deepEqual(inCheckout, [], `the installed app uses no file of the checkout (${ROOT})`);
  }
});
