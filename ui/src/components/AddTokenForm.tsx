// Add a Replicate API token: label + secret. The secret goes to the Rust side
// once (it checks it with Replicate and keeps it in the OS keyring) and is
// never shown again; the form forgets it as soon as the call returns.
import { useState, type FormEvent } from "react";
import { Trans, useTranslation } from "react-i18next";
import { backend, BackendError, toBackendError } from "../backend";
import type { Account, Token } from "../bindings";
import { useApp } from "../context/AppContext";

const TOKEN_SHAPE = /^r8_[A-Za-z0-9]{20,}$/;

export function AddTokenForm({ onAdded, compact = false }: { onAdded?: (token: Token, account: Account) => void; compact?: boolean }) {
  const { t } = useTranslation();
  const { upsertToken } = useApp();
  const [label, setLabel] = useState("");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const [added, setAdded] = useState<{ label: string; username: string; joined: boolean } | null>(null);

  const trimmed = secret.trim();
  const shapeHint = trimmed !== "" && !TOKEN_SHAPE.test(trimmed) ? t("tokens.shapeHint") : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (trimmed === "") {
      setError(new BackendError({ code: "secret_malformed", message: t("tokens.pasteFirst") }));
      return;
    }
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      const { token, account, joined } = await backend.addToken(label.trim() || "Replicate", trimmed);
      upsertToken(token);
      setAdded({ label: token.label, username: account.username, joined });
      setLabel("");
      onAdded?.(token, account);
    } catch (err) {
      setError(toBackendError(err));
    } finally {
      setSecret("");
      setBusy(false);
    }
  };

  return (
    <form className={`token-form${compact ? " token-form-compact" : ""}`} onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="token-label" className="field-label">
          {t("tokens.label")}
        </label>
        <input id="token-label" className="input" placeholder={t("tokens.labelPlaceholder")} value={label} maxLength={60} onChange={(e) => setLabel(e.target.value)} />
      </div>
      <div className={`field field-grow${error ? " field-invalid" : ""}`}>
        <label htmlFor="token-secret" className="field-label">
          {t("tokens.secret")}
        </label>
        <input
          id="token-secret"
          className="input input-mono"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="r8_…"
          aria-describedby="token-help"
          value={secret}
          onChange={(e) => {
            setSecret(e.target.value);
            setError(null);
          }}
        />
        <div id="token-help" className="field-help">
          {error ? (
            <span className="field-error" role="alert" data-code={error.code}>
              {error.message}
            </span>
          ) : (
            shapeHint ?? t("tokens.secretHelp")
          )}
        </div>
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? t("tokens.checking") : t("tokens.addBtn")}
      </button>
      {added && (
        <p className="notice notice-ok token-added" role="status">
          <Trans i18nKey={added.joined ? "tokens.joined" : "tokens.added"} values={{ label: added.label, user: added.username }} components={{ b: <strong /> }} />
        </p>
      )}
    </form>
  );
}
