// One token: label, fingerprint, state and figures; enable/disable, check, remove.
import { useState } from "react";
import { backend, toBackendError, type BackendError } from "../backend";
import type { Token } from "../bindings";
import { useApp } from "../context/AppContext";
import { formatAgo, formatDuration, useNow } from "../lib/time";

function stateOf(t: Token, now: number): { label: string; tone: "ok" | "warn" | "bad" | "off" } {
  if (!t.active) return t.disabled_reason ? { label: "Disabled", tone: "bad" } : { label: "Off", tone: "off" };
  if (t.cooldown_until && Date.parse(t.cooldown_until) > now) return { label: "Cooling down", tone: "warn" };
  return { label: "Active", tone: "ok" };
}

export function TokenRow({ token: t }: { token: Token }) {
  const { upsertToken, dropToken } = useApp();
  const cooling = t.cooldown_until !== null && Date.parse(t.cooldown_until) > Date.now();
  const now = useNow(1000, cooling);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const [account, setAccount] = useState<string | null>(null);
  const state = stateOf(t, now);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="token" data-token={t.id}>
      <div className="token-head">
        <div className="token-name">
          <strong>{t.label}</strong>
          <span className="mono muted small" title="Last characters of the token">
            ••••{t.fingerprint}
          </span>
          <span className={`badge badge-${state.tone}`}>{state.label}</span>
        </div>
        <div className="token-actions">
          <label className="switch" title={t.active ? "Stop using this token" : "Use this token again"}>
            <input
              type="checkbox"
              role="switch"
              aria-label={`Use token ${t.label}`}
              checked={t.active}
              disabled={busy}
              onChange={(e) => act(async () => upsertToken(await backend.setTokenEnabled(t.id, e.target.checked)))}
            />
            <span className="switch-track" aria-hidden="true" />
          </label>
          <button
            type="button"
            className="btn btn-sm"
            disabled={busy}
            onClick={() =>
              act(async () => {
                const answer = await backend.revalidateToken(t.id);
                upsertToken(answer.token);
                setAccount(answer.account.username);
              })
            }
          >
            Check
          </button>
          {confirming ? (
            <>
              <button type="button" className="btn btn-danger btn-sm" disabled={busy} onClick={() => act(async () => { await backend.removeToken(t.id); dropToken(t.id); })}>
                Remove
              </button>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className="btn btn-ghost btn-sm" aria-label={`Remove token ${t.label}…`} onClick={() => setConfirming(true)}>
              Remove…
            </button>
          )}
        </div>
      </div>
      {confirming && <p className="small token-confirm">Remove “{t.label}”? Its secret is deleted from the keyring; generations already made stay.</p>}
      {!t.active && t.disabled_reason && <p className="token-reason small">{t.disabled_reason}</p>}
      {state.label === "Cooling down" && t.cooldown_until && (
        <p className="token-reason token-reason-warn small">Rate-limited by Replicate; back in {formatDuration(Date.parse(t.cooldown_until) - now)}.</p>
      )}
      <dl className="token-figures">
        <div><dt>Requests</dt><dd>{t.request_count}</dd></div>
        <div><dt>Errors</dt><dd>{t.error_count}</dd></div>
        <div><dt>Rate-limited</dt><dd>{t.rate_limited_count}</dd></div>
        <div><dt>Running</dt><dd>{t.in_flight} / {t.max_concurrency}</dd></div>
        <div><dt>Last used</dt><dd>{formatAgo(t.last_used_at, now)}</dd></div>
      </dl>
      {account && <p className="small muted">Valid — signed in as <strong>{account}</strong>.</p>}
      {error && <p className="field-error small" role="alert" data-code={error.code}>{error.message}</p>}
    </li>
  );
}
