// Live readings of a generation's outputs, not stored anywhere (a page opened
// mid-way shows them from the next reading): its downloads (`output_progress`,
// for files of 1 MiB or more, about once a percent) and a language model's
// text so far (`output_text`, from the prediction's stream).
import { useEffect, useState } from "react";
import { onQueueEvent } from "../backend";

export type OutputProgress = { index: number; received: number; total: number | null };

/** The latest download reading of generation `id`; null before the first and once it ends. */
export function useOutputProgress(id: string): OutputProgress | null {
  const [progress, setProgress] = useState<OutputProgress | null>(null);
  useEffect(() => {
    setProgress(null);
    return onQueueEvent((event) => {
      if (event.type === "output_progress" && event.data.id === id) {
        const { index, received, total } = event.data;
        setProgress({ index, received, total });
      } else if ((event.type === "generation_ended" || event.type === "generation_removed") && event.data.id === id) {
        setProgress(null);
      }
    });
  }, [id]);
  return progress;
}

/** A language model's text so far while it runs; null before the first piece and once it ends. */
export function useGrowingText(id: string): string | null {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    setText(null);
    return onQueueEvent((event) => {
      if (event.type === "output_text" && event.data.id === id) setText(event.data.text);
      else if ((event.type === "generation_ended" || event.type === "generation_removed") && event.data.id === id) setText(null);
    });
  }, [id]);
  return text;
}

/** Bytes for people: `512 KB`, `18.3 MB` (decimal units, one decimal past 10 MB dropped). */
export function formatBytes(n: number, locale?: string): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  const digits = u === 0 || v >= 100 ? 0 : 1;
  return `${v.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${units[u]}`;
}
