// Whether the queue is a team's (PostgreSQL) and who "I" am on it: read once
// per mount (Join/Leave remount everything, lib/queueEpoch.ts).
import { useEffect, useState } from "react";
import { backend } from "../backend";
import type { TeamInfo } from "../bindings";

/** The team queue's info, or null while unknown or when it cannot be read. */
export function useTeam(): TeamInfo | null {
  const [info, setInfo] = useState<TeamInfo | null>(null);
  useEffect(() => {
    let live = true;
    backend.teamInfo().then(
      (i) => live && setInfo(i),
      () => live && setInfo(null),
    );
    return () => {
      live = false;
    };
  }, []);
  return info;
}
