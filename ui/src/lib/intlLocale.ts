// Imported before uPlot (SpendChart.tsx): uPlot builds
// `new Intl.NumberFormat(navigator.language)` when it loads, and under
// LANG=C WebKitGTK reports the language "C", which Intl refuses
// ("RangeError: invalid language tag: C") — seen in the real window.
// Then navigator.language reads as the app's own locale instead.
import { locale } from "../i18n";

try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, "language", { get: () => locale(), configurable: true });
}
