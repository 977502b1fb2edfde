import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { onQueueEvent } from "../backend";

/**
 * "Team database unreachable" in the header while the engine says the team's
 * PostgreSQL database cannot be reached (`store_unreachable`, its reason in
 * the title); gone at `store_back`. Never shown for a local (SQLite) queue.
 */
export function StoreStatus() {
  const { t } = useTranslation();
  const [reason, setReason] = useState<string | null>(null);
  useEffect(
    () =>
      onQueueEvent((e) => {
        if (e.type === "store_unreachable") setReason(e.data.reason);
        else if (e.type === "store_back") setReason(null);
      }),
    [],
  );
  if (reason === null) return null;
  return (
    <span className="pill pill-paused pill-static" role="status" title={t("header.storeUnreachableTitle", { reason })} data-testid="store-unreachable">
      {t("header.storeUnreachable")}
    </span>
  );
}
