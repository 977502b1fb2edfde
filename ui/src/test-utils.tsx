// Rendering helpers for the Vitest suite: the app's providers over a fake backend.
import { act, cleanup, render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { afterEach } from "vitest";
import type { FakeBackend, FakeOptions } from "../mock/fakeBackend";
import { installFakeBackend, uninstallFakeBackend } from "../mock/install";
import { seedScenario, type ScenarioName } from "../mock/scenarios";
import { Providers } from "./App";

let installed: FakeBackend | null = null;
afterEach(() => {
  cleanup(); // unmount (and unlisten) while the mocked IPC is still there
  if (installed) uninstallFakeBackend(installed);
  installed = null;
});

/** A fake backend (manual clock) seeded with `scenario`, removed after the test. */
export function fakeBackend(scenario: ScenarioName = "empty", options: FakeOptions = {}): FakeBackend {
  installed = installFakeBackend({ clock: "manual", ...options });
  seedScenario(installed, scenario);
  return installed;
}

export function renderWithApp(ui: ReactNode, route = "/") {
  return render(
    <Providers>
      <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
    </Providers>,
  );
}

/** Lets pending promises and event deliveries settle. */
export async function settle(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  });
}
