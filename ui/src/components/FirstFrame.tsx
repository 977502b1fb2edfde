// Tells the Rust side, once, that the page has painted its first real frame
// (not the loading shell), so the window, created hidden, appears with it and
// is never seen blank. Two animation frames after the commit that rendered
// it: the first runs before that paint, the second after. The Rust side shows
// the window anyway after a few seconds (src-tauri/src/window.rs).
import { useEffect } from "react";
import { backend } from "../backend";

let told = false;

export function FirstFrame() {
  useEffect(() => {
    if (told) return;
    told = true;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        backend.windowReady().catch((error: unknown) => console.error("window_ready failed", error));
      }),
    );
  }, []);
  return null;
}
