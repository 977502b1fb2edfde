// `npm run e2e`: every Playwright test of the UI against the mocked backend.
import { runAll } from "./harness.mjs";
import "./seed.spec.mjs";
import "./tokens.spec.mjs";
import "./history.spec.mjs";
import "./queue.spec.mjs";
import "./settings.spec.mjs";
import "./team.spec.mjs";
import "./screens.spec.mjs";
import "./files.spec.mjs";
import "./outputs.spec.mjs";
import "./spend.spec.mjs";
import "./media.spec.mjs";

await runAll();
