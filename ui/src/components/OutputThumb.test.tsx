import { act, fireEvent, render } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { OutputThumb } from "./OutputThumb";

const fetchOutputs = vi.hoisted(() => vi.fn<(id: string) => Promise<boolean>>());
// File URLs as the webview would give them (not asset:, so no blob is fetched).
vi.mock("../backend", () => ({ fileUrl: (p: string) => `file:///data/${p}`, backend: { fetchOutputs } }));
beforeEach(() => fetchOutputs.mockReset());

describe("a video's thumbnail", () => {
  it("is its poster frame, drawn as a picture with no video element", () => {
    const { container } = render(<OutputThumb files={["outputs/g/0-audio.wav", "outputs/g/1-video.webm"]} />);
    const img = container.querySelector("img.thumb-poster");
    expect(img?.getAttribute("src")).toBe("file:///data/outputs/g/1-video.poster.png");
    expect(container.querySelector("video")).toBeNull();
    expect(container.querySelector("[data-kind=video] .thumb-badge")).not.toBeNull();
  });

  it("falls back to the video's first frame when it has no poster", () => {
    const { container } = render(<OutputThumb files={["outputs/g/0.webm"]} />);
    fireEvent.error(container.querySelector("img.thumb-poster")!);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("video")?.getAttribute("src")).toBe("file:///data/outputs/g/0.webm#t=0.1");
    expect(container.querySelector("[data-kind=video] .thumb-badge")).not.toBeNull();
  });

  it("of a picture result is the picture, never a poster", () => {
    const { container } = render(<OutputThumb files={["outputs/g/0.png", "outputs/g/1.webm"]} />);
    expect(container.querySelector("img")?.getAttribute("src")).toBe("file:///data/outputs/g/0.png");
    expect(container.querySelector(".thumb-poster")).toBeNull();
  });
});

describe("a thumbnail whose file this machine lacks (a team's database)", () => {
  it("shows a placeholder while the file is fetched, once, then the picture", async () => {
    let answer: (got: boolean) => void = () => {};
    fetchOutputs.mockReturnValue(new Promise((r) => (answer = r)));
    const { container } = render(<OutputThumb files={["outputs/g/0.png"]} id="g" />);
    fireEvent.error(container.querySelector("img")!);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("[data-kind=fetching]")?.getAttribute("aria-busy")).toBe("true");
    expect(fetchOutputs).toHaveBeenCalledWith("g");
    await act(async () => answer(true));
    expect(container.querySelector("img")?.getAttribute("src")).toBe("file:///data/outputs/g/0.png#fetched");
    // Still failing after the fetch: the placeholder, not a second fetch.
    fireEvent.error(container.querySelector("img")!);
    expect(container.querySelector("[data-kind=missing]")).not.toBeNull();
    expect(fetchOutputs).toHaveBeenCalledTimes(1);
  });

  it("keeps the placeholder when the database has none of it", async () => {
    fetchOutputs.mockResolvedValue(false);
    const { container } = render(<OutputThumb files={["outputs/g/0.png"]} id="g" />);
    fireEvent.error(container.querySelector("img")!);
    await act(async () => {});
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("[data-kind=missing]")).not.toBeNull();
  });

  it("fetches a video's missing poster before falling back to the video's first frame", async () => {
    fetchOutputs.mockResolvedValue(true);
    const { container } = render(<OutputThumb files={["outputs/g/0.webm"]} id="g" />);
    fireEvent.error(container.querySelector("img.thumb-poster")!);
    await act(async () => {});
    expect(container.querySelector("img.thumb-poster")?.getAttribute("src")).toBe("file:///data/outputs/g/0.poster.png#fetched");
  });
});
