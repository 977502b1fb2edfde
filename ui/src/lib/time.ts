import { useEffect, useState } from "react";
import { i18n, locale } from "../i18n";

/** "4s", "1m 05s", "2h 03m" (and "4 с", "1 мин 05 с" in Russian). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return i18n.t("duration.s", { s });
  const m = Math.floor(s / 60);
  if (m < 60) return i18n.t("duration.ms", { m, s: String(s % 60).padStart(2, "0") });
  const h = Math.floor(m / 60);
  return i18n.t("duration.hm", { h, m: String(m % 60).padStart(2, "0") });
}

/** An estimate: "~1m 05s" (never below "~1s": it is a guess, not a countdown to zero). */
export function formatEta(ms: number): string {
  return i18n.t("duration.about", { d: formatDuration(Math.max(1000, ms)) });
}

type Times = { created_at: string; started_at: string | null; completed_at: string | null };

/** Time since queued while active, else the time from queued to finished. */
export function elapsedMs(g: Times, now: number): number {
  const from = Date.parse(g.created_at);
  const to = g.completed_at ? Date.parse(g.completed_at) : now;
  return Math.max(0, to - from);
}

/** Running time on Replicate: started → finished (or now). */
export function runningMs(g: Times, now: number): number | null {
  if (!g.started_at) return null;
  const to = g.completed_at ? Date.parse(g.completed_at) : now;
  return Math.max(0, to - Date.parse(g.started_at));
}

// Intl formatters are costly to build: one per locale and style.
const formatters = new Map<string, Intl.DateTimeFormat>();
function dateFormat(name: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale()}|${name}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale(), options);
    formatters.set(key, f);
  }
  return f;
}

export function formatDateTime(iso: string | null): string {
  return iso ? dateFormat("dateTime", { dateStyle: "medium", timeStyle: "medium" }).format(new Date(iso)) : "—";
}

/** A time of day with seconds in the user's zone ("21:00:05"). */
export function formatClock(iso: string): string {
  return dateFormat("clock", { timeStyle: "medium" }).format(new Date(iso));
}

/** "14:02" today, "Mar 3, 14:02" this year, "Mar 3, 2024" before. */
export function formatWhen(iso: string, now: number = Date.now()): string {
  const d = new Date(iso);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return dateFormat("time", { timeStyle: "short" }).format(d);
  if (d.getFullYear() === today.getFullYear()) return dateFormat("dayTime", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" }).format(d);
  return dateFormat("date", { dateStyle: "medium" }).format(d);
}

/** "just now", "5 minutes ago", "3 hours ago", "yesterday" (Intl.RelativeTimeFormat), or a date. */
export function formatAgo(iso: string | null, now: number = Date.now()): string {
  if (!iso) return i18n.t("common.never");
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 45) return i18n.t("common.justNow");
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  if (s < 3600) return rtf.format(-Math.round(s / 60), "minute");
  if (s < 86400) return rtf.format(-Math.round(s / 3600), "hour");
  if (s < 7 * 86400) return rtf.format(-Math.round(s / 86400), "day");
  return formatWhen(iso, now);
}

/** A count with the locale's digit grouping ("100,000", "100 000"). */
export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/** The current time, re-read every `everyMs` while `enabled` (a display clock, not a backend poll). */
export function useNow(everyMs = 1000, enabled = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!enabled) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs, enabled]);
  return now;
}
