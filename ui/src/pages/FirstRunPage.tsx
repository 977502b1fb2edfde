// First run (no tokens yet): what a Replicate API token is, where to get one,
// a form to paste it, and the offline demo.
import { useState } from "react";
import { backend, toBackendError, type BackendError } from "../backend";
import { AddTokenForm } from "../components/AddTokenForm";
import { ErrorNotice } from "../components/ErrorNotice";
import { ExternalIcon } from "../components/icons";
import { useApp } from "../context/AppContext";

export const TOKENS_URL = "https://replicate.com/account/api-tokens";

export function FirstRunPage() {
  const { setInfo, reloadTokens } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);

  const startDemo = async () => {
    setBusy(true);
    setError(null);
    try {
      const info = await backend.startDemo();
      await reloadTokens();
      setInfo(info);
    } catch (e) {
      setError(toBackendError(e));
      setBusy(false);
    }
  };

  return (
    <div className="page page-first-run">
      <div className="welcome card">
        <h1>Welcome to Genqueue</h1>
        <p className="lede">Queue image generations on Replicate and let them run in the background while you keep working.</p>
        <h2>Connect your Replicate account</h2>
        <p>
          Genqueue runs models on <strong>Replicate</strong> with your own <strong>API token</strong> — a key that lets this app start predictions on your account.
          Replicate bills your account for what runs.
        </p>
        <ol className="steps">
          <li>
            Sign in at Replicate and open{" "}
            <a
              href={TOKENS_URL}
              target="_blank"
              rel="noreferrer"
              onClick={(e) => {
                e.preventDefault();
                backend.openExternal(TOKENS_URL).catch(() => window.open(TOKENS_URL, "_blank", "noopener"));
              }}
            >
              replicate.com/account/api-tokens <ExternalIcon />
            </a>
            .
          </li>
          <li>Create a token (it starts with r8_) and copy it.</li>
          <li>Paste it below. It is checked with Replicate and stored in your system keyring — never shown again.</li>
        </ol>
        <AddTokenForm compact />
        <div className="divider">
          <span>or</span>
        </div>
        <div className="demo-offer">
          <div>
            <h2>Just looking?</h2>
            <p className="muted">The offline demo runs a simulated Replicate on this computer: no account, no cost, placeholder images.</p>
          </div>
          <button type="button" className="btn" disabled={busy} onClick={() => void startDemo()}>
            {busy ? "Starting…" : "Try the offline demo"}
          </button>
        </div>
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
      </div>
    </div>
  );
}
