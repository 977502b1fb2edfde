// Add a Replicate API token: label + secret. The secret goes to the Rust side
// once (it checks it with Replicate and keeps it in the OS keyring) and is
// never shown again; the form forgets it as soon as the call returns.
import { useState, type FormEvent } from "react";
import { backend, BackendError, toBackendError } from "../backend";
import type { Account, Token } from "../bindings";
import { useApp } from "../context/AppContext";

const TOKEN_SHAPE = /^r8_[A-Za-z0-9]{20,}$/;

export function AddTokenForm({ onAdded, compact = false }: { onAdded?: (token: Token, account: Account) => void; compact?: boolean }) {
  const { upsertToken } = useApp();
  const [label, setLabel] = useState("");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const [added, setAdded] = useState<{ label: string; username: string } | null>(null);

  const trimmed = secret.trim();
  const shapeHint = trimmed !== "" && !TOKEN_SHAPE.test(trimmed) ? "Replicate tokens start with r8_ — check that the whole token was pasted." : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (trimmed === "") {
      setError(new BackendError({ code: "empty", message: "Paste a token first." }));
      return;
    }
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      const { token, account } = await backend.addToken(label.trim() || "Replicate", trimmed);
      upsertToken(token);
      setAdded({ label: token.label, username: account.username });
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
          Label
        </label>
        <input id="token-label" className="input" placeholder="Personal" value={label} maxLength={60} onChange={(e) => setLabel(e.target.value)} />
      </div>
      <div className={`field field-grow${error ? " field-invalid" : ""}`}>
        <label htmlFor="token-secret" className="field-label">
          API token
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
            shapeHint ?? "Checked with Replicate, then kept in your system keyring. It is never shown again."
          )}
        </div>
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? "Checking…" : "Add token"}
      </button>
      {added && (
        <p className="notice notice-ok token-added" role="status">
          Added “{added.label}” — signed in as <strong>{added.username}</strong>.
        </p>
      )}
    </form>
  );
}
