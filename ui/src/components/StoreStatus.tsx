import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { onQueueEvent } from "../backend";

/**
 * "Team database unreachable" in the header while the engine says the team's
 * PostgreSQL database cannot be reached (`store_unreachable`, its reason in
 * the title); gone at `store_back`. "Update Genqueue" for good once a newer
 * Genqueue migrated the database (`store_too_new`, both versions in the
 * title). Never shown for a local (SQLite) queue.
 */
export function StoreStatus() {
  const { t } = useTranslation();
  const [state, setState] = useState<{ tooNew: boolean; reason: string } | null>(null);
  useEffect(
    () =>
      onQueueEvent((e) => {
        if (e.type === "store_too_new") setState({ tooNew: true, reason: e.data.reason });
        else if (e.type === "store_unreachable") setState((s) => (s?.tooNew ? s : { tooNew: false, reason: e.data.reason }));
        else if (e.type === "store_back") setState((s) => (s?.tooNew ? s : null));
      }),
    [],
  );
  if (state === null) return null;
  const [label, title, testId] = state.tooNew
    ? (["header.storeTooNew", "header.storeTooNewTitle", "store-too-new"] as const)
    : (["header.storeUnreachable", "header.storeUnreachableTitle", "store-unreachable"] as const);
  return (
    <span className="pill pill-paused pill-static" role="status" title={t(title, { reason: state.reason })} data-testid={testId}>
      {t(label)}
    </span>
  );
}
