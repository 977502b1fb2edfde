// Money as the core sends it: US dollars in whole micro-dollars (integers),
// shown as Replicate bills (USD). `null` is an unknown price: "unknown", never $0.
import { i18n } from "../i18n";

const MICROS = 1_000_000;

/** `$5.00`, `$0.12`, `$0.003` (under a cent keeps its figures); `null` → "unknown". */
export function formatUsd(micros: number | null | undefined): string {
  if (micros === null || micros === undefined) return i18n.t("spend.unknown");
  const abs = Math.abs(micros);
  const sign = micros < 0 ? "-" : "";
  if (abs !== 0 && abs < 10_000) {
    const frac = String(abs).padStart(6, "0").replace(/0+$/, "");
    return `${sign}$0.${frac.padEnd(2, "0")}`;
  }
  const cents = Math.round(abs / 10_000);
  return `${sign}$${Math.floor(cents / 100).toLocaleString("en-US")}.${String(cents % 100).padStart(2, "0")}`;
}

/** A rate with all its figures: `$0.000975`. */
export function formatRate(micros: number): string {
  const whole = Math.floor(micros / MICROS);
  const frac = String(micros % MICROS).padStart(6, "0").replace(/0+$/, "");
  return `$${whole}.${frac.padEnd(2, "0")}`;
}

/**
 * Reads what a person typed as a limit: `5`, `$5.00`, `0.5`; blank is no
 * limit (`null`). Returns `undefined` when it is not an amount (≤ 6 decimals).
 */
export function parseUsd(text: string): number | null | undefined {
  const t = text.trim().replace(/^\$/, "").trim();
  if (t === "") return null;
  const m = /^(\d{0,12})(?:\.(\d{0,6}))?$/.exec(t);
  if (!m || (m[1] === "" && !m[2])) return undefined;
  return Number(m[1] || "0") * MICROS + Number((m[2] ?? "").padEnd(6, "0"));
}

/** A limit for an input box: `5.00`, or "" for none. */
export function usdInput(micros: number | null): string {
  if (micros === null) return "";
  return formatRate(micros).slice(1);
}
