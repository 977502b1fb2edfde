// The Playwright entry (mock.html): the real app over a fake backend.
//   mock.html?scenario=first-run|empty|ready&clock=auto|manual&eventDelay=ms&step=ms
import { mount } from "../src/mount";
import type { FakeBackend } from "./fakeBackend";
import { installFakeBackend } from "./install";
import { seedScenario, type ScenarioName } from "./scenarios";

declare global {
  interface Window {
    __fake: FakeBackend;
  }
}

const params = new URLSearchParams(location.search);
const fake = installFakeBackend({
  clock: params.get("clock") === "manual" ? "manual" : "auto",
  eventDelayMs: Number(params.get("eventDelay") ?? 0),
  stepMs: Number(params.get("step") ?? 400),
});
seedScenario(fake, (params.get("scenario") as ScenarioName | null) ?? "ready");
window.__fake = fake;
mount();
