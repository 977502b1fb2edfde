import "./i18n";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
// The shared style sheets first: each page's own sheet (styles/pages/, imported
// by the page) comes after them in the bundle and may refine them.
import "./styles/base.css";
import "./styles/layout.css";
import "./styles/components.css";
import "./styles/header.css";
import { App } from "./App";

/** Renders the app into #root. */
export function mount(): void {
  const root = document.getElementById("root");
  if (!root) throw new Error("no #root element");
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
