// The Playwright entry (mock.html): the real app over a fake backend.
//   mock.html?scenario=first-run|empty|ready|busy|history&clock=auto|manual&eventDelay=ms&step=ms
//            &language=system|en|ru&theme=system|light|dark&paused=1&historyDelay=ms
//            &teamToken=SECRET (a team member's token whose secret is not on this machine)
//            &team=member (the queue on a team's database, joined as that member)
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
const language = params.get("language");
if (language === "en" || language === "ru" || language === "system") fake.settings.language = language;
const theme = params.get("theme");
if (theme === "light" || theme === "dark" || theme === "system") fake.settings.theme = theme;
if (params.get("paused") === "1") fake.info.paused = true;
fake.historyDelayMs = Number(params.get("historyDelay") ?? 0);
const teamToken = params.get("teamToken");
if (teamToken) {
  const t = fake.newToken("Team render farm", teamToken.slice(-4), { request_count: 1_204, last_used_at: new Date(Date.now() - 90_000).toISOString() });
  fake.tokens.set(t.id, t);
  fake.notHere.set(t.id, teamToken);
}
const member = params.get("team");
if (member) {
  fake.team.active = "postgres://ada@db.team.example:5432/genqueue";
  fake.team.member = member;
}
window.__fake = fake;
mount();
