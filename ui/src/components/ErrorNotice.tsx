import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { ErrorPayload } from "../bindings";

/** A command's error: its message, plus a way out where the code has one. */
export function ErrorNotice({ error, onDismiss }: { error: ErrorPayload | null; onDismiss?: () => void }) {
  const { t } = useTranslation();
  if (!error) return null;
  // Codes the UI knows get its own words (in the user's language); others show the Rust side's message.
  const message = error.code === "no_token" ? t("errors.no_token") : error.message;
  return (
    <div className="notice notice-error" role="alert" data-code={error.code}>
      <span>{message}</span>
      {error.code === "no_token" && (
        <Link className="notice-action" to="/tokens">
          {t("errors.addToken")}
        </Link>
      )}
      {onDismiss && (
        <button type="button" className="notice-dismiss" onClick={onDismiss} aria-label={t("errors.dismiss")}>
          ×
        </button>
      )}
    </div>
  );
}
