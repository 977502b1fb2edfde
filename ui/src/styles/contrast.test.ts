// WCAG AA: the main text/background pairs of both themes, computed from the
// CSS variables of base.css (4.5:1 for normal text).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const css = readFileSync(resolve(import.meta.dirname, "base.css"), "utf8");

function varsOf(block: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) vars[m[1]] = m[2];
  return vars;
}
function blockAfter(selector: string): string {
  const at = css.indexOf(selector);
  if (at === -1) throw new Error(`no ${selector} in base.css`);
  return css.slice(at, css.indexOf("}", at));
}

const light = varsOf(blockAfter(":root {"));
const dark = { ...light, ...varsOf(blockAfter(':root[data-theme="dark"] {')) };

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** [foreground, background] pairs the UI draws text with. */
const PAIRS: [string, string][] = [
  ["text", "bg"],
  ["text", "surface"],
  ["text", "surface-2"],
  ["text", "surface-3"],
  ["text", "accent-soft"],
  ["muted", "bg"],
  ["muted", "surface"],
  ["muted", "surface-2"],
  ["accent", "surface"],
  ["accent", "bg"],
  ["accent-text", "accent"],
  ["ok", "surface"],
  ["ok", "ok-soft"],
  ["bad", "surface"],
  ["bad", "bad-soft"],
  ["warn", "surface"],
  ["warn", "warn-soft"],
];

describe.each([
  ["light", light],
  ["dark", dark],
])("contrast in the %s theme", (_name, vars) => {
  it.each(PAIRS)("%s on %s is at least 4.5:1", (fg, bg) => {
    expect(vars[fg], fg).toBeDefined();
    expect(vars[bg], bg).toBeDefined();
    expect(contrast(vars[fg], vars[bg])).toBeGreaterThanOrEqual(4.5);
  });
});

it("the dark theme of Settings equals the system's dark theme", () => {
  const system = varsOf(blockAfter(':root:not([data-theme="light"]) {'));
  expect(system).toEqual(varsOf(blockAfter(':root[data-theme="dark"] {')));
});
