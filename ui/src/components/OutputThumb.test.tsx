import { fireEvent, render } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { OutputThumb } from "./OutputThumb";

// File URLs as the webview would give them (not asset:, so no blob is fetched).
vi.mock("../backend", () => ({ fileUrl: (p: string) => `file:///data/${p}` }));

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
