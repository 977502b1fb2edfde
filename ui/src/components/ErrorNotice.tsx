import { Link } from "react-router";
import type { ErrorPayload } from "../bindings";

/** A command's error: its message, plus a way out where the code has one. */
export function ErrorNotice({ error, onDismiss }: { error: ErrorPayload | null; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert" data-code={error.code}>
      <span>{error.message}</span>
      {error.code === "no_token" && (
        <Link className="notice-action" to="/tokens">
          Add a token
        </Link>
      )}
      {onDismiss && (
        <button type="button" className="notice-dismiss" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}
