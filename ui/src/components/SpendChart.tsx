// Daily spend as bars (uPlot: a small, maintained canvas chart library).
// Money arrives in micro-dollars; the axis shows dollars. uPlot's stylesheet
// comes with spend.css (main bundle), so this lazy chunk is JavaScript only.
import { useEffect, useRef } from "react";
// First: uPlot reads navigator.language as it loads.
import "../lib/intlLocale";
import uPlot from "uplot";
import type { SpendLine } from "../bindings";
import { locale } from "../i18n";
import { formatUsd } from "../lib/money";

type Props = {
  /** One line per day (`key` = `YYYY-MM-DD`), oldest first; days without spend may be missing. */
  days: SpendLine[];
  /** First and last day to show (`YYYY-MM-DD`), so empty days show as empty. */
  from: string;
  to: string;
  label: string;
};

/** Every day from `from` to `to` (inclusive), as `YYYY-MM-DD`. */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  const d = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (d <= end && out.length < 400) {
    out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

export function SpendChart({ days, from, to, label }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const keys = dayRange(from, to);
    const byDay = new Map(days.map((l) => [l.key, l.spent]));
    const xs = keys.map((k) => Date.parse(`${k}T12:00:00Z`) / 1000);
    // Days without spend draw no bar (null), not a zero-height one.
    const ys = keys.map((k) => (byDay.has(k) ? byDay.get(k)! / 1_000_000 : null));
    const styles = getComputedStyle(document.documentElement);
    const accent = styles.getPropertyValue("--accent").trim() || "#3b6fd8";
    const text = styles.getPropertyValue("--text-muted").trim() || "#666";
    const grid = styles.getPropertyValue("--border").trim() || "#ddd";
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 0.01] } },
      axes: [
        { ...axis, values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleDateString(locale(), { month: "short", day: "numeric", timeZone: "UTC" })) },
        { ...axis, size: 64, values: (_u, splits) => splits.map((s) => formatUsd(Math.round(s * 1_000_000))) },
      ],
      series: [{}, { label, stroke: accent, fill: accent, paths: uPlot.paths.bars?.({ size: [0.7, 28] }), points: { show: false } }],
    };
    const plot = new uPlot(opts, [xs, ys], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, from, to, label]);
  return <div className="spend-chart" ref={box} role="img" aria-label={label} />;
}
