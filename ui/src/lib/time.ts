import { useEffect, useState } from "react";

/** "4s", "1m 05s", "2h 03m". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, "0")}m`;
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

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });

export function formatDateTime(iso: string | null): string {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

/** "14:02" today, "Mar 3, 14:02" otherwise. */
export function formatWhen(iso: string, now: number = Date.now()): string {
  const d = new Date(iso);
  const today = new Date(now);
  return d.toDateString() === today.toDateString() ? timeOnly.format(d) : dayAndTime.format(d);
}

/** "just now", "5 min ago", "3 h ago", or a date. */
export function formatAgo(iso: string | null, now: number = Date.now()): string {
  if (!iso) return "never";
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return formatWhen(iso, now);
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
