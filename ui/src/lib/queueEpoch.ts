// The app's queue was reopened on another store (Settings → Team queue: Join
// or Leave): everything the window loaded belongs to the old one. App keys
// its providers by this epoch, so they mount again and load afresh; the
// route (the URL hash) stays.
import { useEffect, useState } from "react";

const listeners = new Set<() => void>();

/** Says that the queue was reopened: the window loads everything again. */
export function queueReopened(): void {
  for (const l of [...listeners]) l();
}

/** A number that grows each time the queue is reopened. */
export function useQueueEpoch(): number {
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    const bump = () => setEpoch((n) => n + 1);
    listeners.add(bump);
    return () => {
      listeners.delete(bump);
    };
  }, []);
  return epoch;
}
