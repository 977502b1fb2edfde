import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { QueueCounter } from "../components/QueueCounter";
import { fakeBackend, renderWithApp, settle } from "../test-utils";
import { CreatePage } from "./CreatePage";

const page = () => (
  <>
    <QueueCounter />
    <CreatePage />
  </>
);

describe("CreatePage", () => {
  it("Ctrl+Enter creates N generations with the model's settings; the counter shows them at once", async () => {
    const fake = fakeBackend("empty", { eventDelayMs: 60_000 });
    renderWithApp(page());
    await settle();
    await screen.findByLabelText("Aspect Ratio");
    await userEvent.type(screen.getByLabelText("Prompt"), "a lighthouse");
    await userEvent.selectOptions(screen.getByLabelText("Aspect Ratio"), "16:9");
    await userEvent.click(screen.getByRole("button", { name: "One image more" }));
    await userEvent.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(screen.getByTestId("counter-n")).toHaveTextContent("2"));
    const create = fake.calls.find((c) => c.cmd === "create_generation");
    expect(create?.args).toMatchObject({ model: "black-forest-labs/flux-schnell", prompt: "a lighthouse", count: 2, input: { aspect_ratio: "16:9", num_outputs: 1, go_fast: true } });
    expect(create?.args.input).not.toHaveProperty("prompt");
    expect(screen.getByRole("status")).toHaveTextContent("Queued a batch of 2 generations");
    fake.stop();
  }, 20_000); // typing with userEvent is slow on a loaded machine

  it("sends the deadlines typed under Deadlines, and refuses a run deadline under 5 s inline", async () => {
    const fake = fakeBackend("empty", { eventDelayMs: 60_000 });
    renderWithApp(page());
    await settle();
    await screen.findByLabelText("Aspect Ratio");
    await userEvent.type(screen.getByLabelText("Prompt"), "a lighthouse");
    await userEvent.click(screen.getByText("Deadlines"));
    expect(screen.getByLabelText("Cancel if not started within (minutes)")).toHaveAttribute("placeholder", "15");
    await userEvent.type(screen.getByLabelText("Stop after (seconds, from creation)"), "4");
    await userEvent.click(screen.getByRole("button", { name: /^Create/ }));
    expect(screen.getByText("Between 5 and 86400 seconds, or empty.")).toBeInTheDocument();
    expect(fake.calls.some((c) => c.cmd === "create_generation")).toBe(false);
    await userEvent.clear(screen.getByLabelText("Stop after (seconds, from creation)"));
    await userEvent.type(screen.getByLabelText("Stop after (seconds, from creation)"), "90");
    await userEvent.type(screen.getByLabelText("Cancel if not started within (minutes)"), "5");
    await userEvent.click(screen.getByRole("button", { name: /^Create/ }));
    await waitFor(() => expect(fake.calls.some((c) => c.cmd === "create_generation")).toBe(true));
    const create = fake.calls.find((c) => c.cmd === "create_generation");
    expect(create?.args).toMatchObject({ deadlines: { start_deadline_secs: 300, run_deadline_secs: 90 } });
    fake.stop();
  }, 20_000);

  it("asks for a prompt and a well-formed model inline", async () => {
    const fake = fakeBackend("empty");
    renderWithApp(page());
    await settle();
    await userEvent.click(screen.getByRole("button", { name: /^Create/ }));
    expect(screen.getByText("Describe the image you want.")).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText("Model (owner/name)"));
    await userEvent.type(screen.getByLabelText("Model (owner/name)"), "just-a-name");
    expect(screen.getByText(/Write the model as owner\/name/)).toBeInTheDocument();
    expect(fake.calls.some((c) => c.cmd === "create_generation")).toBe(false);
  });

  it("shows a command's error message, and a way to the tokens for no_token", async () => {
    const fake = fakeBackend("empty");
    fake.tokens.forEach((t) => (t.active = false));
    renderWithApp(page());
    await settle();
    await userEvent.type(screen.getByLabelText("Prompt"), "x");
    await userEvent.click(screen.getByRole("button", { name: /^Create/ }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("No usable Replicate token");
    expect(alert).toHaveAttribute("data-code", "no_token");
    expect(screen.getByRole("link", { name: "Add a token" })).toHaveAttribute("href", "/tokens");
  });

  it("reads the settings of a typed model and shows 'not found' inline", async () => {
    fakeBackend("empty");
    renderWithApp(page());
    await settle();
    const model = screen.getByLabelText("Model (owner/name)");
    await userEvent.clear(model);
    await userEvent.type(model, "nobody/nothing");
    expect(await screen.findByText(/Replicate has no model nobody\/nothing/, undefined, { timeout: 2000 })).toBeInTheDocument();
  });
});
