// Tells the Rust side, once, that the page has rendered its first real frame
// (not the loading shell), so the window, created hidden, appears with it and
// is never seen blank. Two animation frames after the commit that rendered
// it: the first runs before that paint, the second after. A hidden window
// gets no animation frames in WebKitGTK (measured: they never came, so the
// window waited for the Rust side's 5 s fallback, src-tauri/src/window.rs):
// while the document is hidden, the commit itself is the signal (the page is
// laid out; showing the window paints it).
import { useEffect } from "react";
import { backend } from "../backend";

let told = false;

/** How long to wait for animation frames before telling anyway (ms). */
export const NO_FRAMES_AFTER_MS = 50;

export function FirstFrame() {
  useEffect(() => {
    if (told) return;
    const tell = () => {
      if (told) return;
      told = true;
      backend.windowReady().catch((error: unknown) => console.error("window_ready failed", error));
    };
    if (document.visibilityState === "hidden") {
      setTimeout(tell, 0);
      return;
    }
    requestAnimationFrame(() => requestAnimationFrame(tell));
    setTimeout(tell, NO_FRAMES_AFTER_MS);
  }, []);
  return null;
}
