import { describe, expect, it } from "vitest";
import { mainKind, outputKey, outputKind, thumbFile } from "./outputs";

describe("saved outputs", () => {
  it("are shown by the kind their extension names", () => {
    expect(outputKind("outputs/g/0.webp")).toBe("image");
    expect(outputKind("outputs/g/0.WEBM")).toBe("video");
    expect(outputKind("outputs/g/1-audio.wav")).toBe("audio");
    expect(outputKind("outputs/g/text.txt")).toBe("text");
    expect(outputKind("outputs/g/output.json")).toBe("text");
    expect(outputKind("outputs/g/0.glb")).toBe("file");
    expect(outputKind("C:\\data\\outputs\\g\\0.mp4")).toBe("video");
  });

  it("keep the object key they were saved under", () => {
    expect(outputKey("outputs/g/1-audio.wav")).toBe("audio");
    expect(outputKey("outputs/g/0-mask_2.png")).toBe("mask_2");
    expect(outputKey("outputs/g/0.png")).toBeNull();
    expect(outputKey("outputs/g/text.txt")).toBeNull();
  });

  it("are stood for by the first picture or video, and named by it", () => {
    expect(thumbFile(["outputs/g/0-audio.wav", "outputs/g/1-video.webm"])).toBe("outputs/g/1-video.webm");
    expect(thumbFile(["outputs/g/text.txt"])).toBe("outputs/g/text.txt");
    expect(thumbFile([])).toBeNull();
    expect(mainKind(["outputs/g/0.png", "outputs/g/output.json"])).toBe("image");
    expect(mainKind(["outputs/g/text.txt"])).toBe("text");
    expect(mainKind([])).toBeNull();
  });
});
