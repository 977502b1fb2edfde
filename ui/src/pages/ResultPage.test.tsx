import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import { QueueCounter } from "../components/QueueCounter";
import { fakeBackend, renderWithApp, settle } from "../test-utils";
import { ResultPage } from "./ResultPage";

const at = (id: string) =>
  renderWithApp(
    <>
      <QueueCounter />
      <Routes>
        <Route path="/result/:id" element={<ResultPage />} />
        <Route path="*" element={<p>elsewhere</p>} />
      </Routes>
    </>,
    `/result/${id}`,
  );

describe("ResultPage", () => {
  it("shows the images, prompt, settings and times, and marks the generation viewed", async () => {
    const fake = fakeBackend("ready");
    at("gen_0003");
    await settle();
    expect(screen.getAllByRole("img", { name: /^Output \d$/ })).toHaveLength(4);
    expect(screen.getByText(/Misty mountain valley at sunrise/)).toBeInTheDocument();
    expect(screen.getByText("Running time")).toBeInTheDocument();
    expect(screen.getByText("guidance")).toBeInTheDocument();
    expect(fake.generations.get("gen_0003")?.viewed).toBe(true);
    expect(screen.getByTestId("counter-n")).toHaveTextContent("4");
    await userEvent.click(screen.getByRole("button", { name: "Open image 2 full size" }));
    expect(screen.getByRole("dialog", { name: "Image 2 of 4" })).toBeInTheDocument();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  }, 15000);

  it("shows a failure with its reason", async () => {
    fakeBackend("ready");
    at("gen_0005");
    await settle();
    expect(screen.getByText("Replicate rejected the input")).toBeInTheDocument();
    expect(screen.getByText("width: must be less than or equal to 2048 (got 4096)")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /Retry/ })).toBeInTheDocument();
  });

  it("follows a running generation live and can cancel it", async () => {
    const fake = fakeBackend("ready");
    at("gen_0006");
    await settle();
    expect(screen.getAllByRole("progressbar")[0]).toHaveAttribute("aria-valuenow", "45");
    act(() => fake.progress("gen_0006", 90));
    await settle(); // the event is taken when told
    expect(screen.getAllByRole("progressbar")[0]).toHaveAttribute("aria-valuenow", "90");
    await userEvent.click(screen.getByRole("button", { name: /Cancel/ }));
    await settle();
    expect(screen.getByText("Cancelled")).toBeInTheDocument();
    expect(fake.generations.get("gen_0006")?.status).toBe("cancelled");
  });

  it("says so when the generation does not exist", async () => {
    fakeBackend("ready");
    at("gen_9999");
    await settle();
    expect(screen.getByRole("alert")).toHaveTextContent("This generation no longer exists.");
  });
});
