import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Route, Routes, useLocation } from "react-router";
import { backend } from "../backend";
import { useGenerations } from "../context/GenerationsContext";
import { fakeBackend, renderWithApp, settle } from "../test-utils";
import { Header } from "./Header";

function Where() {
  return <p data-testid="where">{useLocation().pathname}</p>;
}

function CreateButton() {
  const { noteCreated } = useGenerations();
  return (
    <button type="button" onClick={() => backend.createGeneration({ model: "stability-ai/sdxl", prompt: "a dog", input: {}, count: 1 }).then(noteCreated)}>
      make
    </button>
  );
}

const app = () => (
  <>
    <Header />
    <CreateButton />
    <Routes>
      <Route path="*" element={<Where />} />
    </Routes>
  </>
);

describe("Header ⟳ N counter", () => {
  it("is hidden at 0", async () => {
    fakeBackend("empty");
    renderWithApp(app());
    await settle();
    expect(screen.queryByTestId("queue-counter")).toBeNull();
  });

  it("shows +1 on create, spins while active, and names itself", async () => {
    fakeBackend("empty", { eventDelayMs: 60_000 });
    renderWithApp(app());
    await settle();
    await userEvent.click(screen.getByText("make"));
    const counter = await screen.findByTestId("queue-counter");
    expect(screen.getByTestId("counter-n")).toHaveTextContent("1");
    expect(screen.getByTestId("counter-glyph")).toHaveClass("spinning");
    expect(counter).toHaveAccessibleName("1 unviewed generation, 1 in progress");
  });

  it("stops spinning when nothing is active, and follows events", async () => {
    const fake = fakeBackend("ready");
    renderWithApp(app());
    await settle();
    expect(screen.getByTestId("counter-n")).toHaveTextContent("5");
    expect(screen.getByTestId("counter-glyph")).toHaveClass("spinning");
    act(() => {
      fake.complete("gen_0006");
      fake.complete("gen_0007");
    });
    await settle(); // the events are taken when told
    expect(screen.getByTestId("counter-glyph")).not.toHaveClass("spinning");
    expect(screen.getByTestId("counter-n")).toHaveTextContent("5");
  });

  it("shows the Demo badge in demo mode", async () => {
    const fake = fakeBackend("empty");
    fake.info.demo = true;
    renderWithApp(app());
    await settle();
    expect(screen.getByText("Demo")).toBeInTheDocument();
  });
});

describe("GenerationsQueue dropdown", () => {
  it("lists the 5 latest unviewed with their status icons, progress and times", async () => {
    const fake = fakeBackend("ready");
    fake.save(fake.newGeneration("black-forest-labs/flux-dev", "a sixth unviewed one", {}, { created_at: "2020-01-01T00:00:00Z", status: "cancelled" }));
    renderWithApp(app());
    await settle();
    await userEvent.click(screen.getByTestId("queue-counter"));
    const panel = screen.getByRole("dialog", { name: "Unviewed generations" });
    const items = within(panel).getAllByRole("button").filter((b) => b.classList.contains("queue-item"));
    expect(items).toHaveLength(5);
    expect(items.map((i) => within(i).getByRole("img").getAttribute("aria-label"))).toEqual(["Queued", "Running", "Failed", "Completed", "Completed"]);
    expect(within(items[0]).getByRole("img").querySelector(".spinner")).not.toBeNull();
    expect(within(items[2]).getByRole("img")).toHaveTextContent("✗");
    expect(within(items[3]).getByRole("img")).toHaveTextContent("✓");
    expect(within(items[1]).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "45");
    expect(items[0]).toHaveTextContent("Neon koi fish");
    expect(items[0]).toHaveTextContent(/\d+s/);
    expect(within(panel).getByText("and 1 more")).toBeInTheDocument();
  });

  it("shows — for a cancelled generation", async () => {
    const fake = fakeBackend("empty");
    fake.save(fake.newGeneration("stability-ai/sdxl", "stopped", {}, { status: "cancelled" }));
    renderWithApp(app());
    await settle();
    await userEvent.click(screen.getByTestId("queue-counter"));
    expect(screen.getByRole("img", { name: "Cancelled" })).toHaveTextContent("—");
  });

  it("a click marks viewed, removes it, counter −1, opens /result/:id", async () => {
    const fake = fakeBackend("ready");
    renderWithApp(app());
    await settle();
    await userEvent.click(screen.getByTestId("queue-counter"));
    await userEvent.click(screen.getByText(/A fox reading a newspaper/));
    expect(screen.getByTestId("where")).toHaveTextContent("/result/gen_0005");
    expect(screen.getByTestId("counter-n")).toHaveTextContent("4");
    expect(screen.queryByRole("dialog")).toBeNull();
    await settle();
    expect(fake.generations.get("gen_0005")?.viewed).toBe(true);
    await userEvent.click(screen.getByTestId("queue-counter"));
    expect(screen.queryByText(/A fox reading a newspaper/)).toBeNull();
  });

  it("Mark all viewed empties it; View all opens the history; Escape closes", async () => {
    fakeBackend("ready");
    renderWithApp(app());
    await settle();
    await userEvent.click(screen.getByTestId("queue-counter"));
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByTestId("queue-counter")).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    await userEvent.click(screen.getByRole("button", { name: "View all" }));
    expect(screen.getByTestId("where")).toHaveTextContent("/history");
    await userEvent.click(screen.getByTestId("queue-counter"));
    await userEvent.click(screen.getByRole("button", { name: "Mark all viewed" }));
    await settle();
    expect(screen.queryByTestId("queue-counter")).toBeNull();
    // Eight interactions: more than vitest's 5 s under a loaded machine.
  }, 15_000);
});

describe("Header: team database unreachable", () => {
  it("says so while the engine cannot reach the team database, with the reason, and clears when it is back", async () => {
    const fake = fakeBackend("ready");
    renderWithApp(app());
    await settle();
    expect(screen.queryByTestId("store-unreachable")).toBeNull();
    const reason = "the team database at postgres://ann@db:5432/team cannot be reached: connection refused";
    await act(async () => fake.emit({ type: "store_unreachable", data: { reason } }));
    await settle();
    const pill = screen.getByTestId("store-unreachable");
    expect(pill).toHaveTextContent("Team database unreachable");
    expect(pill.title).toContain(reason);
    await act(async () => fake.emit({ type: "store_back" }));
    await settle();
    expect(screen.queryByTestId("store-unreachable")).toBeNull();
  });

  it("asks to update Genqueue once a newer one migrated the team database, naming both versions, and keeps asking", async () => {
    const fake = fakeBackend("ready");
    renderWithApp(app());
    await settle();
    const reason =
      "the database postgres://ann@db:5432/team was written by a newer version of Genqueue (schema version 14, this version knows up to 13); update Genqueue";
    await act(async () => fake.emit({ type: "store_too_new", data: { reason } }));
    await settle();
    const pill = screen.getByTestId("store-too-new");
    expect(pill).toHaveTextContent("Update Genqueue");
    expect(pill.title).toContain("schema version 14, this version knows up to 13");
    // A reconnection does not hide it: the database stays too new for this build.
    await act(async () => fake.emit({ type: "store_unreachable", data: { reason: "gone" } }));
    await act(async () => fake.emit({ type: "store_back" }));
    await settle();
    expect(screen.getByTestId("store-too-new")).toHaveTextContent("Update Genqueue");
    expect(screen.queryByTestId("store-unreachable")).toBeNull();
  });
});
